import type { FsFileHandle, FsPort, PersistenceError } from "@snapwrite/core";
import { fsFailure, openRegularFile } from "@snapwrite/sink-fs";
import { danglingLinkOr } from "./dangling-link.js";
import { readInto } from "./journal-fs.js";
import {
  decodeSegmentHeader,
  isTornHeaderError,
  isZero,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
} from "./segment-format.js";

/**
 * Reads only a segment's header bytes and its size, not the whole file. The segment is opened
 * without blocking and must be a regular file (sink-fs's `openRegularFile`): a FIFO or device is
 * `ERR_INVALID_TARGET`, never waited on nor read without end; so is a symlink that leads nowhere
 * (`details.reason: "dangling-symlink"`), a loop of symlinks (`"symlink-loop"`) and a link through
 * a file (`"parent-not-a-directory"`), as sink-fs's `fsFailure` maps them. Replay reads no segment
 * whose header it has not read this way.
 */
export async function readHeader(fs: FsPort, path: string): Promise<HeaderEntry> {
  let bytes: Uint8Array;
  let size: number;
  let handle: FsFileHandle | undefined;
  try {
    let stats: { readonly size: number };
    ({ handle, stats } = await openRegularFile(fs, path, { target: path, stage: "open" }));
    size = stats.size;
    bytes = await readInto(handle, new Uint8Array(Math.min(size, SEGMENT_HEADER_BYTES)), 0);
    try {
      return { header: decodeSegmentHeader(bytes), size, dataAfterHeader: true };
    } catch (error) {
      const zero = (error as PersistenceError).details?.reason === "zero";
      const dataAfterHeader = zero && size > SEGMENT_HEADER_BYTES && (await hasDataAfter(handle));
      return { error: error as PersistenceError, size, dataAfterHeader };
    }
  } catch (error) {
    const refined = await danglingLinkOr(fs, path, error);
    throw fsFailure(refined, "open", path, undefined, "read");
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export interface HeaderEntry {
  readonly header?: SegmentHeader;
  readonly error?: PersistenceError;
  readonly size: number;
  /** Some byte after the header is not zero (only looked for behind a zero-filled header). */
  readonly dataAfterHeader: boolean;
}

/** True when any byte after the segment header is not zero; reads in 64 KiB pieces. */
export async function hasDataAfter(handle: FsFileHandle): Promise<boolean> {
  const piece = new Uint8Array(64 * 1024);
  for (let position = SEGMENT_HEADER_BYTES; ; ) {
    const got = await readInto(handle, piece, position);
    if (got.byteLength === 0) return false;
    if (!isZero(got, 0, got.byteLength)) return true;
    position += got.byteLength;
  }
}

/** A last segment whose header is torn was being created when the process died. */
export function isTornHeader(
  entry: HeaderEntry,
): entry is HeaderEntry & { error: PersistenceError } {
  return (
    entry.error !== undefined && isTornHeaderError(entry.error, entry.size, entry.dataAfterHeader)
  );
}
