import type { ChunkPool } from "./chunk-pool.js";
import type { ChunkWriter } from "./chunk-writer-types.js";
import { writeUtf8 } from "./write-utf8.js";
import { writerValueError } from "./writer-value-error.js";

const EMPTY = new Uint8Array(0);
/** Strings up to this length are encoded by {@link writeUtf8}, longer ones by the engine. */
const SHORT_TEXT = 64;
const encoder = new TextEncoder();
const U64_MAX = 2n ** 64n - 1n;

/** The {@link ChunkWriter} that `createChunkWriter` returns. */
export class ChunkWriterImpl implements ChunkWriter {
  readonly chunkSize: number;
  buffer: Uint8Array;
  view: DataView;
  pos = 0;
  private readonly zeroFill: boolean;
  private readonly pool: ChunkPool | undefined;
  private chunk: Uint8Array;
  private chunkView: DataView;
  /** A `Buffer` over `chunk` for the engine's UTF-8 writer, made on first use. */
  private chunkText: Buffer | undefined;
  private chunkPos = 0;
  /** Bytes of `chunk` before this offset were handed over by `take()`. */
  private start = 0;
  private flushed = 0;
  private spilling = false;
  private scratch: Uint8Array;
  private scratchView: DataView;
  private readonly ready: Uint8Array[] = [];
  private readyHead = 0;
  private finished = false;

  constructor(chunkSize: number, zeroFill: boolean, pool: ChunkPool | undefined) {
    this.chunkSize = chunkSize;
    this.zeroFill = zeroFill;
    this.pool = pool;
    this.chunk = pool?.acquire() ?? allocChunk(chunkSize, zeroFill);
    this.chunkView = new DataView(this.chunk.buffer, this.chunk.byteOffset, chunkSize);
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.scratch = new Uint8Array(64);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  get written(): number {
    return this.flushed + this.chunkPos;
  }

  get room(): number {
    return this.chunkSize - this.chunkPos;
  }

  get pending(): number {
    return this.chunkPos - this.start;
  }

  get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  begin(n: number): void {
    // One cheap test refuses a negative, fractional, NaN or huge size (and a non-number).
    if (n >>> 0 !== n)
      throw writerValueError("begin", n, "an integer in 0..2^32 − 1", { argument: "n" });
    if (this.finished) throw new Error("ChunkWriter: already finished");
    if (this.chunkSize - this.chunkPos >= n) {
      // Outside a begin()/end() block `buffer` and `view` are the chunk's: end() restores them.
      this.pos = this.chunkPos;
      return;
    }
    if (this.scratch.length < n) {
      let size = this.scratch.length;
      while (size < n) size *= 2;
      this.scratch = new Uint8Array(size);
      this.scratchView = new DataView(this.scratch.buffer);
    }
    this.spilling = true;
    this.buffer = this.scratch;
    this.view = this.scratchView;
    this.pos = 0;
  }

  end(): void {
    const capacity = this.spilling ? this.scratch.length : this.chunkSize;
    const from = this.spilling ? 0 : this.chunkPos;
    if (!(this.pos >= from && this.pos <= capacity)) {
      // A `pos` moved back, past the buffer or to a non-number: commit nothing, as if no begin().
      const pos = this.pos;
      this.abandon();
      throw writerValueError("end", pos, `a position in ${from}..${capacity}`, { argument: "pos" });
    }
    if (!this.spilling) {
      this.chunkPos = this.pos;
      if (this.chunkPos === this.chunkSize) this.rotate();
      return;
    }
    this.spilling = false;
    const length = this.pos;
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.copy(this.scratch, 0, length);
  }

  /** Drops what was written since `begin()`: the chunk is as it was before it. */
  private abandon(): void {
    this.spilling = false;
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.pos = this.chunkPos;
  }

  private rotate(): void {
    this.ready.push(this.start === 0 ? this.chunk : this.chunk.subarray(this.start));
    this.flushed += this.chunkSize;
    this.chunk = this.pool?.acquire() ?? allocChunk(this.chunkSize, this.zeroFill);
    this.chunkView = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunkSize);
    this.chunkText = undefined;
    this.chunkPos = 0;
    this.start = 0;
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.pos = 0;
  }

  u8(value: number): void {
    // Refuses everything a byte cannot hold (256, -1, 1.5, NaN, "5") in one cheap test.
    if (typeof value !== "number" || (value & 0xff) !== value)
      throw writerValueError("u8", value, "an integer in 0..255");
    if (this.finished) throw new Error("ChunkWriter: already finished");
    const at = this.chunkPos;
    this.chunk[at] = value;
    this.chunkPos = at + 1;
    this.pos = at + 1;
    if (at + 1 === this.chunkSize) this.rotate();
  }

  u16(value: number): void {
    if (typeof value !== "number" || (value & 0xffff) !== value)
      throw writerValueError("u16", value, "an integer in 0..65535");
    this.begin(2);
    this.view.setUint16(this.pos, value, true);
    this.pos += 2;
    this.end();
  }

  u32(value: number): void {
    if (typeof value !== "number" || value >>> 0 !== value)
      throw writerValueError("u32", value, "an integer in 0..2^32 - 1");
    this.begin(4);
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
    this.end();
  }

  u64(value: bigint): void {
    if (typeof value !== "bigint" || value < 0n || value > U64_MAX) {
      throw writerValueError("u64", value, "an integer in 0n..2n ** 64n - 1n", {
        type: "bigint",
      });
    }
    this.begin(8);
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
    this.end();
  }

  f32(value: number): void {
    // NaN and ±Infinity are float32 values; a finite value beyond its range would become Infinity.
    if (
      typeof value !== "number" ||
      (!Number.isFinite(Math.fround(value)) && Number.isFinite(value))
    ) {
      throw writerValueError("f32", value, "finite values within ±3.4028234663852886e38");
    }
    this.begin(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
    this.end();
  }

  copy(source: Uint8Array, start = 0, end = source.length): void {
    if (this.finished) throw new Error("ChunkWriter: already finished");
    let from = start;
    while (from < end) {
      const room = this.chunkSize - this.chunkPos;
      const n = Math.min(end - from, room);
      if (n <= 16) {
        const chunk = this.chunk;
        let at = this.chunkPos;
        for (let i = from; i < from + n; i++) chunk[at++] = source[i] as number;
      } else {
        this.chunk.set(
          from === 0 && n === source.length ? source : source.subarray(from, from + n),
          this.chunkPos,
        );
      }
      this.chunkPos += n;
      from += n;
      if (this.chunkPos === this.chunkSize) this.rotate();
    }
    this.pos = this.chunkPos;
  }

  fill(value: number, count: number): void {
    if (typeof value !== "number" || (value & 0xff) !== value)
      throw writerValueError("fill", value, "an integer in 0..255", { argument: "value" });
    if (!(Number.isSafeInteger(count) && count >= 0)) {
      throw writerValueError("fill", count, "a safe integer >= 0", { argument: "count" });
    }
    if (this.finished) throw new Error("ChunkWriter: already finished");
    let left = count;
    while (left > 0) {
      const n = Math.min(left, this.chunkSize - this.chunkPos);
      this.chunk.fill(value, this.chunkPos, this.chunkPos + n);
      this.chunkPos += n;
      left -= n;
      if (this.chunkPos === this.chunkSize) this.rotate();
    }
    this.pos = this.chunkPos;
  }

  ascii(text: string): void {
    if (typeof text !== "string")
      throw writerValueError("ascii", text, "a string", { type: "string" });
    const length = text.length;
    this.begin(length);
    const buffer = this.buffer;
    let pos = this.pos;
    let all = 0;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      all |= c;
      buffer[pos++] = c;
    }
    if (all > 0x7f) {
      // Not ASCII: one byte per character would cut it. Nothing is committed.
      this.abandon();
      throw writerValueError("ascii", text, "ASCII characters only (use utf8)", { type: "string" });
    }
    this.pos = pos;
    this.end();
  }

  utf8(text: string): void {
    const length = text.length;
    if (length <= SHORT_TEXT) {
      this.begin(length * 3);
      this.pos += writeUtf8(text, this.buffer, this.pos);
      this.end();
      return;
    }
    if (this.finished) throw new Error("ChunkWriter: already finished");
    let rest = text;
    while (true) {
      if (this.chunkSize - this.chunkPos >= rest.length * 3) {
        this.chunkText ??= Buffer.from(this.chunk.buffer, this.chunk.byteOffset, this.chunkSize);
        this.chunkPos += this.chunkText.write(rest, this.chunkPos);
        break;
      }
      const { read, written } = encoder.encodeInto(rest, this.chunk.subarray(this.chunkPos));
      this.chunkPos += written;
      if (read >= rest.length) break;
      // The next character did not fit whole: split its bytes between this chunk and the next.
      const c = rest.charCodeAt(read);
      const units = c >= 0xd800 && c <= 0xdbff && isLowSurrogate(rest.charCodeAt(read + 1)) ? 2 : 1;
      this.begin(4);
      this.pos += writeUtf8(rest.slice(read, read + units), this.buffer, this.pos);
      this.end();
      rest = rest.slice(read + units);
    }
    this.pos = this.chunkPos;
    if (this.chunkPos === this.chunkSize) this.rotate();
  }

  take(): void {
    if (!this.zeroFill) throw new Error("ChunkWriter: take() needs the zeroFill option");
    const at = this.chunkPos;
    if (at === this.start) return;
    this.ready.push(this.chunk.subarray(this.start, at));
    this.start = at;
  }

  takeReady(): Uint8Array | undefined {
    if (this.readyHead >= this.ready.length) return undefined;
    const chunk = this.ready[this.readyHead];
    this.ready[this.readyHead++] = EMPTY;
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
    return chunk;
  }

  finish(): Uint8Array | undefined {
    if (this.finished) return undefined;
    this.finished = true;
    const at = this.chunkPos;
    const start = this.start;
    if (at === start) {
      this.pool?.release(this.chunk);
      return undefined;
    }
    this.flushed += at;
    this.chunkPos = 0;
    if (this.pool !== undefined) {
      // The partial chunk is copied out at its length, so the pooled one goes back at once.
      const last = this.chunk.slice(0, at);
      this.pool.release(this.chunk);
      return last;
    }
    // A copy, so the handed-over buffer holds only written bytes; a view when `take()` already
    // shares this (zero-filled) chunk.
    return start === 0 ? this.chunk.slice(0, at) : this.chunk.subarray(start, at);
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * A chunk with its own ArrayBuffer. Unless `zeroFill`, not zero-filled: every byte handed over
 * was written first (full chunks are full; the last one is copied out at its written length), and
 * skipping the fill saves a memset per chunk.
 */
function allocChunk(size: number, zeroFill: boolean): Uint8Array {
  if (zeroFill) return new Uint8Array(size);
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}
