/** Options of {@link createChunkWriter}. */
export interface ChunkWriterOptions {
  /**
   * Size of every chunk in bytes (default 256 KiB, at least 64). Every handed-over chunk but the
   * last is exactly this long.
   */
  readonly chunkSize?: number | undefined;
}

/** Default chunk size of the encoders of this package: 256 KiB. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

/**
 * A little-endian writer that fills fixed-size chunks and hands full ones over (docs/architecture.md#executors: a
 * handed-over chunk is never touched again; the next chunk is freshly allocated), so an encoder's
 * extra memory stays bounded by the chunk size whatever the payload size.
 *
 * Two ways to write:
 * - convenience methods (`u8` … `copy`) that split values across chunk boundaries;
 * - the fast path: `begin(n)` guarantees `n` contiguous bytes at `buffer[pos]`; write through
 *   `buffer`/`view` and advance `pos`, then call `end()`. When `n` bytes do not fit in the
 *   current chunk, `buffer` is a reusable scratch area copied into the chunks by `end()`.
 *
 * A generator encoder drains full chunks with `takeReady()` after each bounded step and yields the
 * last one from `finish()`.
 */
export interface ChunkWriter {
  /** The chunk size. */
  readonly chunkSize: number;
  /** Where to write between `begin()` and `end()`. */
  buffer: Uint8Array;
  /** DataView over {@link ChunkWriter.buffer}. */
  view: DataView;
  /** Next write position in {@link ChunkWriter.buffer}. */
  pos: number;
  /** Total bytes committed so far (excluding an open `begin()` block). */
  readonly written: number;
  /** Number of full chunks waiting to be taken. */
  readonly readyCount: number;
  /**
   * Prepares `n` contiguous bytes at `buffer[pos]`. Write every byte you advance `pos` over:
   * chunks are not zero-filled.
   */
  begin(n: number): void;
  /** Commits what was written since `begin()`. */
  end(): void;
  /** Writes one byte. */
  u8(value: number): void;
  /** Writes an unsigned 16-bit integer. */
  u16(value: number): void;
  /** Writes an unsigned 32-bit integer. */
  u32(value: number): void;
  /** Writes an unsigned 64-bit integer. */
  u64(value: bigint): void;
  /** Writes an IEEE-754 single. */
  f32(value: number): void;
  /** Copies `source[start, end)` (default: all of it), spanning chunks as needed. */
  copy(source: Uint8Array, start?: number, end?: number): void;
  /** Removes and returns the oldest full chunk, or `undefined`. The caller now owns it. */
  takeReady(): Uint8Array | undefined;
  /**
   * Returns the last, partly filled chunk (or `undefined` when empty) and ends the writer: take
   * the ready chunks first.
   */
  finish(): Uint8Array | undefined;
}

class ChunkWriterImpl implements ChunkWriter {
  readonly chunkSize: number;
  buffer: Uint8Array;
  view: DataView;
  pos = 0;
  private chunk: Uint8Array;
  private chunkView: DataView;
  private chunkPos = 0;
  private flushed = 0;
  private spilling = false;
  private scratch: Uint8Array;
  private scratchView: DataView;
  private readonly ready: Uint8Array[] = [];
  private readyHead = 0;
  private finished = false;

  constructor(chunkSize: number) {
    this.chunkSize = chunkSize;
    this.chunk = allocChunk(chunkSize);
    this.chunkView = new DataView(this.chunk.buffer);
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.scratch = new Uint8Array(64);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  get written(): number {
    return this.flushed + this.chunkPos;
  }

  get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  begin(n: number): void {
    if (this.finished) throw new Error("ChunkWriter: already finished");
    if (this.chunkSize - this.chunkPos >= n) {
      this.spilling = false;
      this.buffer = this.chunk;
      this.view = this.chunkView;
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
    this.pos = this.chunkPos;
  }

  private rotate(): void {
    this.ready.push(this.chunk);
    this.flushed += this.chunkSize;
    this.chunk = allocChunk(this.chunkSize);
    this.chunkView = new DataView(this.chunk.buffer);
    this.chunkPos = 0;
    this.buffer = this.chunk;
    this.view = this.chunkView;
    this.pos = 0;
  }

  u8(value: number): void {
    this.begin(1);
    this.buffer[this.pos++] = value;
    this.end();
  }

  u16(value: number): void {
    this.begin(2);
    this.view.setUint16(this.pos, value, true);
    this.pos += 2;
    this.end();
  }

  u32(value: number): void {
    this.begin(4);
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
    this.end();
  }

  u64(value: bigint): void {
    this.begin(8);
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
    this.end();
  }

  f32(value: number): void {
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
      this.chunk.set(
        from === 0 && n === source.length ? source : source.subarray(from, from + n),
        this.chunkPos,
      );
      this.chunkPos += n;
      from += n;
      if (this.chunkPos === this.chunkSize) this.rotate();
    }
    this.pos = this.chunkPos;
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
    if (this.chunkPos === 0) return undefined;
    // A copy, not a view: the chunk's buffer was not zero-filled past what was written.
    const last = this.chunk.slice(0, this.chunkPos);
    this.flushed += this.chunkPos;
    this.chunkPos = 0;
    return last;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A chunk with its own ArrayBuffer, not zero-filled: every byte handed over was written first
 * (full chunks are full; the last one is copied out at its written length), and skipping the fill
 * saves a memset per chunk.
 */
function allocChunk(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}

/** Creates a {@link ChunkWriter}. Throws `RangeError` for a chunk size below 64 bytes. */
export function createChunkWriter(options: ChunkWriterOptions = {}): ChunkWriter {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 64) {
    throw new RangeError(`createChunkWriter: chunkSize must be an integer >= 64, got ${chunkSize}`);
  }
  return new ChunkWriterImpl(chunkSize);
}
