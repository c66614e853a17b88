import { PersistenceError } from "../errors/persistence-error.js";

/**
 * Builds the `ERR_CORRUPT` {@link PersistenceError} a decoder throws for input it cannot read,
 * with `details: { ...extra, offset, reason }` and the offset appended to the message.
 *
 * @param message - Human-readable explanation; ` (at byte <offset>)` is appended.
 * @param offset - Byte offset in the input where the problem starts.
 * @param reason - Machine-readable reason, documented by the codec (for example `truncated`).
 * @param extra - More details (for example `{ length, available }`).
 * @param cause - The error that revealed the problem (a failed UTF-8 or JSON parse), if any.
 */
export function corruptError(
  message: string,
  offset: number,
  reason: string,
  extra?: Readonly<Record<string, unknown>>,
  cause?: unknown,
): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", `${message} (at byte ${offset})`, {
    details: { ...extra, offset, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
