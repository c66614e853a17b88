import type { PersistenceError } from "@snapwrite/core";
import { aboutFile, damagedHeader, otherFormat } from "./log-errors.js";
import { formatOf, type LogFormat, type LogHeader } from "./log-format.js";

/** What a log file's first bytes are. */
export type HeaderRead =
  | { readonly kind: "valid"; readonly header: LogHeader }
  /** Nothing but an unfinished header: the file was being created when its writer died. */
  | { readonly kind: "torn" }
  /**
   * A damaged header with bytes after it; `header` says where the records behind it start,
   * `error` is the `ERR_CORRUPT` a writer refuses the file with.
   */
  | { readonly kind: "damaged"; readonly header: LogHeader; readonly error: PersistenceError };

/**
 * Reads the header of log file `file` in `format`. A header of a newer version of the format is
 * thrown (`ERR_CORRUPT`, `details.reason: "version"`): its records cannot be read by this code.
 */
export function readLogHeader(format: LogFormat, bytes: Uint8Array, file: string): HeaderRead {
  try {
    return { kind: "valid", header: format.parseHeader(bytes) };
  } catch (error) {
    const failure = error as PersistenceError;
    const reason = failure.details?.reason;
    if (reason === "version") throw aboutFile(failure, file);
    if (reason === "torn") return { kind: "torn" };
    const header = format.salvageHeader(bytes);
    return { kind: "damaged", header, error: damagedHeader(file, failure) };
  }
}

function isValidHeader(format: LogFormat, bytes: Uint8Array): boolean {
  try {
    format.parseHeader(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The header of the file a writer in `format` found, `undefined` when it holds nothing but an
 * unfinished header (the writer may move it aside and start over). Anything else is refused with
 * `ERR_CORRUPT`, the file left alone: a damaged header with bytes after it, a newer version, and a
 * file of the other format (one that starts with the segment magic, or holds a valid jsonl header).
 */
export function writerHeader(
  format: LogFormat,
  bytes: Uint8Array,
  file: string,
): LogHeader | undefined {
  const found = formatOf(bytes);
  if (found !== format && (found.name === "framed" || isValidHeader(found, bytes))) {
    throw otherFormat(file, found.name);
  }
  const read = readLogHeader(format, bytes, file);
  if (read.kind === "damaged") throw read.error;
  return read.kind === "valid" ? read.header : undefined;
}
