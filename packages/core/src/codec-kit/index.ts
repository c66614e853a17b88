/**
 * `@snapwrite/core/codec-kit`: building blocks for people who write codecs (docs/architecture.md):
 * a chunk writer that keeps an encoder's memory bounded, a bounds-checked little-endian byte
 * reader, the `ERR_CORRUPT` error every decoder throws, an allocation-free UTF-8 writer, and `concatChunks` to join a codec's output into one buffer;
 * and a chunk pool with the `CHUNK_RELEASE` hook, so chunks a sink has written are reused.
 */
export type { ChunkRelease, ReleasableChunks } from "../contracts/chunk-release.js";
export { CHUNK_RELEASE, chunkReleaseOf, withChunkRelease } from "../contracts/chunk-release.js";
export type { ByteReader, ByteReaderCorruptReason } from "./byte-reader.js";
export { createByteReader } from "./byte-reader.js";
export type { ChunkPool, ChunkPoolOptions } from "./chunk-pool.js";
export { createChunkPool, DEFAULT_MAX_CHUNKS } from "./chunk-pool.js";
export { DEFAULT_CHUNK_SIZE } from "./chunk-size.js";
export { createChunkWriter } from "./chunk-writer.js";
export type { ChunkWriter, ChunkWriterOptions } from "./chunk-writer-types.js";
export { concatChunks } from "./concat-chunks.js";
export { corruptError } from "./corrupt-error.js";
export { writeUtf8 } from "./write-utf8.js";
