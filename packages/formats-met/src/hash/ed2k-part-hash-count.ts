import { ED2K_PART_SIZE } from "./ed2k-constants.js";

/**
 * Number of MD4 part hashes a client stores for a file of `size` bytes: with
 * `n = ⌊size/PARTSIZE⌋`, it is 0 when `n` is 0 and `n + 1` otherwise (docs/met-format.md#record-layout) — so a file of
 * exactly one part has two, the second being MD4 of nothing.
 *
 * @throws RangeError when `size` is not a non-negative safe integer.
 */
export function ed2kPartHashCount(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`file size must be a non-negative safe integer, got ${size}`);
  }
  const n = Math.floor(size / ED2K_PART_SIZE);
  return n === 0 ? 0 : n + 1;
}
