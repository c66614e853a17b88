import type { ChunkRelease } from "../contracts/chunk-release.js";
import { DEFAULT_CHUNK_SIZE } from "./chunk-size.js";

/** Options of {@link createChunkPool}. */
export interface ChunkPoolOptions {
  /** Size of every chunk in bytes (default 256 KiB, at least 64). */
  readonly chunkSize?: number | undefined;
  /**
   * Most released chunks kept for reuse (default 16, at least 1); a release beyond it lets the
   * chunk go to the garbage collector. The pool holds at most `chunkSize × maxChunks` bytes idle.
   */
  readonly maxChunks?: number | undefined;
}

/**
 * Fixed-size chunk buffers recycled between saves (docs/architecture.md#executors): a
 * {@link ChunkWriter} created with it takes its chunks from here, and a sink that supports
 * `CHUNK_RELEASE` gives each one back once written, so a save of any size allocates no new chunk
 * memory after the first. A chunk is handed out again only after it was released; chunks that are
 * never released are simply collected (the pool keeps no strong reference to a lent chunk), so a
 * sink that does not release costs what the pool-less writer costs. One pool may serve several
 * writers and targets at once: a lent chunk belongs to exactly one of them.
 */
export interface ChunkPool {
  /** The size of every chunk. */
  readonly chunkSize: number;
  /** Most idle chunks kept. */
  readonly maxChunks: number;
  /** Idle chunks ready to be handed out. */
  readonly idle: number;
  /**
   * Hands out a chunk of `chunkSize` bytes with its own `ArrayBuffer`: an idle one, or a new one
   * (not zero-filled) when none is idle. Its bytes are whatever was there: write before reading.
   */
  acquire(): Uint8Array;
  /**
   * Gives back a chunk, or any view into it, that {@link ChunkPool.acquire} handed out; returns
   * whether it is kept for reuse (`false` also when `maxChunks` chunks are idle already). Anything
   * else (a chunk of another pool or none, a second release while the chunk is idle, a chunk whose
   * memory was transferred away) is ignored and returns `false`. A release after the chunk was lent
   * out again cannot be told from its new borrower's and takes it back from them: release each
   * chunk exactly once, after its last use.
   * Bound to the pool, so it can be passed around as a {@link ChunkRelease}.
   */
  readonly release: (chunk: Uint8Array) => boolean;
}

/**
 * Creates a {@link ChunkPool}. Throws `RangeError` for a chunk size below 64 bytes or a
 * `maxChunks` below 1.
 */
export function createChunkPool(options: ChunkPoolOptions = {}): ChunkPool {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 64) {
    throw new RangeError(`createChunkPool: chunkSize must be an integer >= 64, got ${chunkSize}`);
  }
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
  if (!Number.isSafeInteger(maxChunks) || maxChunks < 1) {
    throw new RangeError(`createChunkPool: maxChunks must be an integer >= 1, got ${maxChunks}`);
  }
  return new RecyclingChunkPool(chunkSize, maxChunks);
}

/** Default {@link ChunkPoolOptions.maxChunks}: 16 (4 MiB of 256 KiB chunks). */
export const DEFAULT_MAX_CHUNKS = 16;

class RecyclingChunkPool implements ChunkPool {
  readonly chunkSize: number;
  readonly maxChunks: number;
  readonly release: (chunk: Uint8Array) => boolean;
  private readonly free: Uint8Array[] = [];
  /**
   * The memory of the lent chunks: weak, so a chunk never released is collected with its entry.
   * A set of the memory alone, not a map to the chunk: an entry whose value is a view of its own
   * key keeps the memory alive through every minor collection (the key is reachable from the value),
   * so chunks never released would only go with a full collection, and an encode that releases
   * nothing would pay several of those (measured in apps/bench's chunk-pool throughput profile).
   * Each chunk is its memory's only view from offset 0 (see {@link allocate}), so the whole chunk
   * is rebuilt from the memory on release.
   */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  constructor(chunkSize: number, maxChunks: number) {
    this.chunkSize = chunkSize;
    this.maxChunks = maxChunks;
    this.release = (chunk) => this.giveBack(chunk);
  }

  get idle(): number {
    return this.free.length;
  }

  acquire(): Uint8Array {
    const chunk = this.free.pop() ?? allocate(this.chunkSize);
    this.lent.add(chunk.buffer);
    return chunk;
  }

  private giveBack(chunk: Uint8Array): boolean {
    const memory = chunk?.buffer;
    if (memory === undefined || !this.lent.delete(memory)) return false;
    // Transferred to another thread meanwhile: the memory is detached and holds nothing.
    if (memory.byteLength !== this.chunkSize) return false;
    if (this.free.length >= this.maxChunks) return false;
    this.free.push(new Uint8Array(memory, 0, this.chunkSize));
    return true;
  }
}

/**
 * A chunk that is the whole of its own ArrayBuffer (offset 0, same length), not zero-filled (saves
 * a memset per chunk); zero-filled only if the runtime ever handed out memory of another shape.
 */
function allocate(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  if (b.byteOffset !== 0 || b.buffer.byteLength !== size) return new Uint8Array(size);
  return new Uint8Array(b.buffer, 0, size);
}
