import type { ChunkPool } from "./chunk-pool.js";

/** Options of {@link createChunkWriter}. */
export interface ChunkWriterOptions {
  /**
   * Take the chunks from this pool instead of allocating each one (see {@link ChunkPool}). The
   * chunk size is the pool's (a different `chunkSize` is a `RangeError`); not with `zeroFill`.
   * `finish()` then returns a copy of the last, partial chunk and gives that chunk back at once.
   */
  readonly pool?: ChunkPool | undefined;
  /**
   * Size of every chunk in bytes (default 256 KiB, at least 64). Every handed-over chunk but the
   * last is exactly this long, unless {@link ChunkWriter.take} handed over part of it earlier.
   */
  readonly chunkSize?: number | undefined;
  /**
   * Allocate zero-filled chunks (default `false`: chunks are not filled, which saves a memset per
   * chunk). Required by {@link ChunkWriter.take}, whose views share a chunk still being written;
   * so it excludes `pool`, whose chunks are given back whole.
   */
  readonly zeroFill?: boolean | undefined;
}

/**
 * A little-endian writer that fills fixed-size chunks and hands full ones over (docs/architecture.md#executors: a
 * handed-over chunk is never touched again; the next chunk is freshly allocated or, with a pool,
 * one that a sink released), so an encoder's
 * extra memory stays bounded by the chunk size whatever the payload size.
 *
 * Two ways to write:
 * - convenience methods (`u8` … `utf8`) that split values across chunk boundaries;
 * - the fast path: `begin(n)` guarantees `n` contiguous bytes at `buffer[pos]`; write through
 *   `buffer`/`view` and advance `pos`, then call `end()`. When `n` bytes do not fit in the
 *   current chunk, `buffer` is a reusable scratch area copied into the chunks by `end()`.
 *
 * A value a field cannot hold is never wrapped or truncated: `u8`, `u16`, `u32`, `u64`, `f32` and
 * `fill` throw a `RangeError` naming the method and the value (a `TypeError` for a value of the
 * wrong type) and write nothing, so a save fails as `ERR_ENCODE` instead of storing a file its
 * decoder cannot read back. `ascii` refuses a character above U+007F the same way (use `utf8`).
 * The `begin()`/`end()` fast path writes through `view`, which wraps as `DataView` does: check
 * values there yourself. `begin(n)` refuses an `n` that is not an integer in 0..2^32 − 1, and
 * `end()` refuses a `pos` moved back or past the buffer, committing nothing of the block.
 *
 * A generator encoder drains full chunks with `takeReady()` after each bounded step (optionally
 * after `take()`, to end a step before its chunk is full) and yields the last one from `finish()`.
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
  /** Bytes left in the current chunk: a `begin(n)` with `n <= room` writes straight into it. */
  readonly room: number;
  /** Bytes committed and not handed over yet (not in a ready or taken chunk). */
  readonly pending: number;
  /** Number of chunks waiting to be taken with `takeReady()`. */
  readonly readyCount: number;
  /**
   * Prepares `n` contiguous bytes at `buffer[pos]`. Write every byte you advance `pos` over:
   * chunks are not zero-filled.
   */
  begin(n: number): void;
  /** Commits what was written since `begin()`. */
  end(): void;
  /** Writes one byte; anything but an integer in 0..255 is a `RangeError`. */
  u8(value: number): void;
  /** Writes an unsigned 16-bit integer; anything but an integer in 0..65535 is a `RangeError`. */
  u16(value: number): void;
  /** Writes an unsigned 32-bit integer; anything but an integer in 0..2^32 − 1 is a `RangeError`. */
  u32(value: number): void;
  /** Writes an unsigned 64-bit integer; a bigint outside 0n..2n ** 64n − 1n is a `RangeError`. */
  u64(value: bigint): void;
  /**
   * Writes an IEEE-754 single (rounded to the nearest one); NaN and ±Infinity are kept, a finite
   * value too large for a single (it would become Infinity) is a `RangeError`.
   */
  f32(value: number): void;
  /** Copies `source[start, end)` (default: all of it), spanning chunks as needed. */
  copy(source: Uint8Array, start?: number, end?: number): void;
  /**
   * Writes `count` copies of the byte `value` (padding, indentation), spanning chunks. A `value`
   * outside 0..255 or a `count` that is not a non-negative integer is a `RangeError`.
   */
  fill(value: number, count: number): void;
  /**
   * Writes a string of ASCII characters, one byte per character; a character above U+007F is a
   * `RangeError` and nothing is written.
   */
  ascii(text: string): void;
  /**
   * Writes `text` as UTF-8, spanning chunks (a character may be split between two chunks). Lone
   * surrogates become U+FFFD, as `TextEncoder` and `Buffer.from(string)` write them.
   */
  utf8(text: string): void;
  /**
   * Queues the bytes written since the last hand-over as a view of the current chunk, without a
   * copy; later writes go after them in the same chunk. Ends a step early without a new chunk.
   * Needs `zeroFill`; not between `begin()` and `end()`.
   */
  take(): void;
  /** Removes and returns the oldest queued chunk, or `undefined`. The caller now owns it. */
  takeReady(): Uint8Array | undefined;
  /**
   * Returns the rest of the last chunk (or `undefined` when empty) and ends the writer: take the
   * ready chunks first.
   */
  finish(): Uint8Array | undefined;
}
