import { PersistenceError } from "@snapwrite/core";

/** `error` (thrown about a log file's bytes, without a target) about `file`. */
export function aboutFile(error: PersistenceError, file: string): PersistenceError {
  return new PersistenceError(error.code, `${JSON.stringify(file)}: ${error.message}`, {
    stage: error.stage ?? "open",
    target: file,
    details: error.details,
    cause: error,
  });
}

/**
 * A header that is no valid one, with more bytes after it: damage (a header is synced before any
 * record is written behind it), never a file whose creation was cut short. `ERR_CORRUPT` with the
 * header error's `details`; nothing is moved, nothing rewritten.
 */
export function damagedHeader(file: string, cause: PersistenceError): PersistenceError {
  return new PersistenceError(
    "ERR_CORRUPT",
    `the header of ${JSON.stringify(file)} is damaged (${cause.message}) and bytes follow it; the file was left as it is (readAppendLog reads the records behind the header)`,
    { stage: "open", target: file, details: cause.details, cause },
  );
}

/** A log file of the other format than the one the log was opened with. */
export function otherFormat(file: string, found: "jsonl" | "framed"): PersistenceError {
  return new PersistenceError(
    "ERR_CORRUPT",
    `${JSON.stringify(file)} is a ${found} log; open it with format: ${JSON.stringify(found)}`,
    { stage: "open", target: file, details: { reason: "header", offset: 0, format: found } },
  );
}

/**
 * A whole record (its checksum checks out) longer than `maxRecordBytes`: the log was written with a
 * larger bound. Never cut nor skipped; `ERR_CORRUPT` with `details.reason: "length"`.
 */
export function recordTooLarge(
  file: string,
  record: { readonly offset: number; readonly bytes: number },
  maxRecordBytes: number,
): PersistenceError {
  return new PersistenceError(
    "ERR_CORRUPT",
    `the record at offset ${record.offset} of ${JSON.stringify(file)} holds ${record.bytes} bytes, more than maxRecordBytes (${maxRecordBytes}); it is whole and was left as it is: open or read the log with maxRecordBytes of at least ${record.bytes}`,
    {
      stage: "open",
      target: file,
      details: { reason: "length", offset: record.offset, bytes: record.bytes, maxRecordBytes },
    },
  );
}

/**
 * A value `append()` cannot store (its `cause` says why): refused before anything is written, so
 * `details.committed` is `false`.
 */
export function encodeFailure(cause: unknown): PersistenceError {
  return new PersistenceError(
    "ERR_ENCODE",
    `value cannot be encoded for this log: ${cause instanceof Error ? cause.message : String(cause)}`,
    { stage: "encode", cause, details: { committed: false } },
  );
}
