import { type ChunkPool, createChunkPool } from "@snapwrite/core/codec-kit";

/**
 * The chunk pool of a known.met codec made by `name`: `pool` when given (its chunk size must be
 * `chunkSize`, when that is given too), none for `false`, else a pool of its own with
 * `chunkSize`-byte chunks. Checks `chunkSize` (an integer >= 64) and throws `RangeError`.
 */
export function codecChunkPool(
  name: string,
  chunkSize: number | undefined,
  pool: ChunkPool | false | undefined,
): ChunkPool | undefined {
  if (chunkSize !== undefined && (!Number.isSafeInteger(chunkSize) || chunkSize < 64)) {
    throw new RangeError(`${name}: chunkSize must be an integer >= 64, got ${chunkSize}`);
  }
  if (pool === false) return undefined;
  if (pool === undefined) return createChunkPool({ chunkSize });
  if (chunkSize !== undefined && pool.chunkSize !== chunkSize) {
    throw new RangeError(
      `${name}: chunkSize ${chunkSize} differs from the pool's ${pool.chunkSize}`,
    );
  }
  return pool;
}
