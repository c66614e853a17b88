import { DEFAULT_CHUNK_SIZE } from "./chunk-size.js";
import { ChunkWriterImpl } from "./chunk-writer-impl.js";
import type { ChunkWriter, ChunkWriterOptions } from "./chunk-writer-types.js";

/**
 * Creates a {@link ChunkWriter}. Throws `RangeError` for a chunk size below 64 bytes, a `pool`
 * whose chunk size differs from `chunkSize`, or a `pool` together with `zeroFill`.
 */
export function createChunkWriter(options: ChunkWriterOptions = {}): ChunkWriter {
  const { pool } = options;
  const chunkSize = options.chunkSize ?? pool?.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 64) {
    throw new RangeError(`createChunkWriter: chunkSize must be an integer >= 64, got ${chunkSize}`);
  }
  if (pool !== undefined) {
    if (pool.chunkSize !== chunkSize) {
      throw new RangeError(
        `createChunkWriter: chunkSize ${chunkSize} differs from the pool's ${pool.chunkSize}`,
      );
    }
    if (options.zeroFill === true) {
      throw new RangeError("createChunkWriter: zeroFill (for take()) cannot be used with a pool");
    }
  }
  return new ChunkWriterImpl(chunkSize, options.zeroFill === true, pool);
}
