/** Default chunk size of `createChunkWriter` and `createChunkPool`: 256 KiB. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
