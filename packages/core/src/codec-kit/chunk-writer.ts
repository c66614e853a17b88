import { ChunkWriterImpl } from "./chunk-writer-impl.js";
import {
  type ChunkWriter,
  type ChunkWriterOptions,
  DEFAULT_CHUNK_SIZE,
} from "./chunk-writer-types.js";

/** Creates a {@link ChunkWriter}. Throws `RangeError` for a chunk size below 64 bytes. */
export function createChunkWriter(options: ChunkWriterOptions = {}): ChunkWriter {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 64) {
    throw new RangeError(`createChunkWriter: chunkSize must be an integer >= 64, got ${chunkSize}`);
  }
  return new ChunkWriterImpl(chunkSize, options.zeroFill === true);
}
