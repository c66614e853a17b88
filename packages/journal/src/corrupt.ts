import { PersistenceError } from "@snapwrite/core";

/** Why bytes of a journal or log were rejected, in `details.reason` of an `ERR_CORRUPT` error. */
export type CorruptReason =
  | "header"
  | "length"
  | "checksum"
  | "sequence"
  | "chain"
  | "record"
  | "torn"
  | "zero"
  | "fork"
  /** A file written in a newer version of its format (`details.version`, `details.supported`). */
  | "version";

/**
 * Builds the `ERR_CORRUPT` error every decoder of this package throws, at stage `"open"`: bytes
 * are decoded where the journal's files are opened and read (replay, a follower's poll, an open).
 */
export function corruptError(
  message: string,
  offset: number,
  reason: CorruptReason,
  extra: Readonly<Record<string, unknown>> = {},
): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", message, {
    stage: "open",
    details: { ...extra, offset, reason },
  });
}
