import { PersistenceError } from "@snapwrite/core";

/**
 * Why a `.met` decoder rejected its input; goes to `details.reason` of the `ERR_CORRUPT` error.
 *
 * - `truncated`: the input ends inside a fixed-size field.
 * - `bad-length`: a length or count field announces more bytes than the rest of the input holds
 *   (a file cut inside a string or a hash list reports this, at the length field).
 * - `bad-header`: the file header / version byte is not one the format allows.
 * - `unknown-tag-type`: a tag type no client accepts in `.met` files (including BSOB 0x0A).
 * - `bad-value`: a field holds a value the format forbids (for example a zero STRn length).
 * - `trailing-data`: bytes follow the last record the header announced.
 */
export type CorruptReason =
  | "truncated"
  | "bad-length"
  | "bad-header"
  | "unknown-tag-type"
  | "bad-value"
  | "trailing-data";

/**
 * Builds the `ERR_CORRUPT` {@link PersistenceError} every decoder of this package throws, with
 * `details: { offset, reason, ...extra }`.
 *
 * @param offset - Byte offset in the input where the problem starts.
 * @param reason - Machine-readable reason.
 * @param message - Human-readable explanation (the offset is appended).
 * @param extra - More details (for example `{ length, available }`).
 */
export function corruptError(
  offset: number,
  reason: CorruptReason,
  message: string,
  extra?: Readonly<Record<string, unknown>>,
): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", `${message} (at byte ${offset})`, {
    details: { ...extra, offset, reason },
  });
}
