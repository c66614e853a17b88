import { PersistenceError } from "@snapwrite/core";

/**
 * A record longer than `maxRecordBytes`, refused by `append` before anything is written:
 * `ERR_ENCODE`, stage `encode`, `details: { committed: false, bytes, maxRecordBytes }`. The append
 * log and the journal writer refuse with this same shape.
 */
export function appendTooLarge(bytes: number, maxRecordBytes: number): PersistenceError {
  return new PersistenceError(
    "ERR_ENCODE",
    `record of ${bytes} bytes exceeds maxRecordBytes ${maxRecordBytes}`,
    { stage: "encode", details: { committed: false, bytes, maxRecordBytes } },
  );
}
