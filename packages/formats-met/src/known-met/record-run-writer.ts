import { PersistenceError } from "@snapwrite/core";
import type { ChunkWriter } from "@snapwrite/core/codec-kit";
import type { KnownFileRecord } from "./known-file-record.js";
import { KnownFileRecordView } from "./known-file-record-view.js";
import { type KnownMetHeader, OLD_MAX_FILE_SIZE } from "./known-met.js";
import { recordEnd } from "./record-end.js";

/**
 * Writes known.met records into a {@link ChunkWriter}, copying consecutive records that sit back
 * to back in one decoded buffer in a single copy (a run), flushed once it reaches a chunk. Shared
 * by the encoders of a record list and of a `KnownMetState`, so both write the same chunks.
 */
export class RecordRunWriter {
  readonly #w: ChunkWriter;
  #src: Uint8Array | undefined = undefined;
  #start = 0;
  #end = 0;

  constructor(w: ChunkWriter) {
    this.#w = w;
  }

  /** Writes the 5-byte file header: header byte and record count. */
  header(header: KnownMetHeader, count: number): void {
    const w = this.#w;
    w.begin(5);
    w.buffer[w.pos] = header;
    w.view.setUint32(w.pos + 1, count, true);
    w.pos += 5;
    w.end();
  }

  /** Writes `src[start, end)`, one whole record of a decoded buffer. */
  span(src: Uint8Array, start: number, end: number): void {
    if (src === this.#src && start === this.#end) {
      this.#end = end;
    } else {
      this.flush();
      this.#src = src;
      this.#start = start;
      this.#end = end;
    }
    if (this.#end - this.#start >= this.#w.chunkSize) this.flush();
  }

  /** Writes record `index`: a view as a span of its buffer, any other record by its `bytes`. */
  record(rec: KnownFileRecord | undefined, index: number): void {
    if (rec instanceof KnownFileRecordView) {
      this.span(rec.src, rec.off, rec.end);
      return;
    }
    this.flush();
    this.#w.copy(checkedBytes(rec, index));
  }

  /** Copies the pending run, if any. */
  flush(): void {
    if (this.#src !== undefined) this.#w.copy(this.#src, this.#start, this.#end);
    this.#src = undefined;
  }
}

/** Yields the chunks the writer has filled. */
export function* drainChunks(w: ChunkWriter): Generator<Uint8Array, void, undefined> {
  for (let chunk = w.takeReady(); chunk !== undefined; chunk = w.takeReady()) yield chunk;
}

/** Records scanned per generator step when the header is "auto" (minus one, as a mask). */
export const AUTO_SCAN_SLICE = 0xffff;

/** True when the record's FT_FILESIZE exceeds OLD_MAX_FILE_SIZE (header 0x0F). */
export function isLargeRecord(rec: KnownFileRecord | undefined): boolean {
  if (rec instanceof KnownFileRecordView) {
    return rec.large;
  }
  return (rec?.size ?? 0n) > BigInt(OLD_MAX_FILE_SIZE);
}

/** The header byte to write, or an `ERR_ENCODE` for one that is neither 0x0E, 0x0F nor "auto". */
export function checkEncodeHeader(header: unknown): KnownMetHeader | "auto" {
  if (header === 0x0e || header === 0x0f || header === "auto") return header;
  throw encodeError(`Invalid known.met header ${String(header)}`);
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

/** `PersistenceError` `ERR_ENCODE` with `details.record` when a record is to blame. */
export function encodeError(message: string, record?: number, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `known.met: ${message}`, {
    details: record === undefined ? {} : { record },
    ...(cause === undefined ? {} : { cause }),
  });
}
