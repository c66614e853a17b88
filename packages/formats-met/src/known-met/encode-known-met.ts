import { PersistenceError } from "@snapwrite/core";
import { type ChunkWriter, createChunkWriter } from "@snapwrite/core/codec-kit";
import type { KnownFileRecord } from "./known-file-record.js";
import { KnownFileRecordView } from "./known-file-record-view.js";
import { type KnownMet, type KnownMetHeader, OLD_MAX_FILE_SIZE } from "./known-met.js";
import { type PendingRecords, pendingIsLarge, pendingRecordsOf } from "./lazy-record-list.js";
import { recordEnd } from "./record-end.js";

/** Options of {@link encodeKnownMet}. */
export interface EncodeKnownMetOptions {
  /** Chunk size in bytes (default 256 KiB); every chunk but the last is exactly this long. */
  readonly chunkSize?: number | undefined;
}

/**
 * Encodes a {@link KnownMet} as a generator of chunks (docs/architecture.md#executors). Each record's wire bytes are
 * copied as they are — consecutive records decoded from one buffer in a single copy — straight
 * into a fresh chunk buffer, so a step costs at most one chunk of work and the extra memory is
 * one chunk. Every yielded chunk is handed over (never touched again).
 *
 * `header: "auto"` writes 0x0F iff a record's FT_FILESIZE exceeds 4,290,048,000, like both clients;
 * the records are scanned first, in steps of 65,536 records separated by empty chunks (which
 * sinks ignore), so no generator step runs long.
 * Throws `PersistenceError` `ERR_ENCODE` (with `details.record`) for a header that is neither
 * 0x0E, 0x0F nor "auto", or a record whose `bytes` do not hold exactly one valid record.
 */
export function* encodeKnownMet(
  value: KnownMet,
  options: EncodeKnownMetOptions = {},
): Generator<Uint8Array, void, undefined> {
  const records = value?.records;
  if (!Array.isArray(records)) throw encodeError("value.records must be an array");
  // Records decoded and not touched since are copied from their offsets, without making views.
  const lazy = pendingRecordsOf(records);
  const isPending = (i: number): boolean =>
    lazy !== undefined && i < lazy.count && lazy.pending[i] === 1;
  let header: KnownMetHeader;
  if (value.header === 0x0e || value.header === 0x0f) {
    header = value.header;
  } else if (value.header === "auto") {
    header = 0x0e;
    for (let i = 0; i < records.length; i++) {
      if (isPending(i) ? pendingIsLarge(lazy as PendingRecords, i) : isLarge(records[i])) {
        header = 0x0f;
        break;
      }
      // Keep each generator step short for sliced executors: the scan may cover a million records.
      if ((i & AUTO_SCAN_SLICE) === AUTO_SCAN_SLICE) yield new Uint8Array(0);
    }
  } else {
    throw encodeError(`Invalid known.met header ${String(value.header)}`);
  }
  const w = createChunkWriter({ chunkSize: options.chunkSize });
  const chunkSize = w.chunkSize;
  w.begin(5);
  w.buffer[w.pos] = header;
  w.view.setUint32(w.pos + 1, records.length, true);
  w.pos += 5;
  w.end();

  let runSrc: Uint8Array | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (let i = 0; i < records.length; i++) {
    if (isPending(i)) {
      const state = lazy as PendingRecords;
      const off = state.starts[i] as number;
      if (state.src === runSrc && off === runEnd) {
        runEnd = state.starts[i + 1] as number;
      } else {
        if (runSrc !== undefined) w.copy(runSrc, runStart, runEnd);
        runSrc = state.src;
        runStart = off;
        runEnd = state.starts[i + 1] as number;
      }
      if (runEnd - runStart >= chunkSize) {
        w.copy(runSrc, runStart, runEnd);
        runSrc = undefined;
      }
      if (w.readyCount > 0) yield* drain(w);
      continue;
    }
    const rec = records[i];
    if (rec instanceof KnownFileRecordView) {
      if (rec.src === runSrc && rec.off === runEnd) {
        runEnd = rec.end;
      } else {
        if (runSrc !== undefined) w.copy(runSrc, runStart, runEnd);
        runSrc = rec.src;
        runStart = rec.off;
        runEnd = rec.end;
      }
      if (runEnd - runStart >= chunkSize) {
        w.copy(runSrc, runStart, runEnd);
        runSrc = undefined;
      }
    } else {
      if (runSrc !== undefined) w.copy(runSrc, runStart, runEnd);
      runSrc = undefined;
      w.copy(checkedBytes(rec, i));
    }
    if (w.readyCount > 0) yield* drain(w);
  }
  if (runSrc !== undefined) w.copy(runSrc, runStart, runEnd);
  yield* drain(w);
  const last = w.finish();
  if (last !== undefined) yield last;
}

function* drain(w: ChunkWriter): Generator<Uint8Array, void, undefined> {
  for (let chunk = w.takeReady(); chunk !== undefined; chunk = w.takeReady()) yield chunk;
}

/** Records scanned per generator step when the header is "auto" (minus one, as a mask). */
const AUTO_SCAN_SLICE = 0xffff;

function isLarge(rec: KnownFileRecord | undefined): boolean {
  if (rec instanceof KnownFileRecordView) {
    return rec.large;
  }
  return (rec?.size ?? 0n) > BigInt(OLD_MAX_FILE_SIZE);
}

function checkedBytes(rec: KnownFileRecord | undefined, index: number): Uint8Array {
  const bytes = rec?.bytes;
  if (!(bytes instanceof Uint8Array)) throw encodeError("record has no bytes", index);
  try {
    if (recordEnd(bytes, 0) === bytes.length) return bytes;
  } catch (cause) {
    throw encodeError("record bytes are not a valid known.met record", index, cause);
  }
  throw encodeError("record bytes hold more than one record", index);
}

function encodeError(message: string, record?: number, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `known.met: ${message}`, {
    details: record === undefined ? {} : { record },
    ...(cause === undefined ? {} : { cause }),
  });
}
