import { AICH_BLOCK_SIZE, AICH_BLOCKS_PER_PART, ED2K_PART_SIZE } from "./ed2k-constants.js";

/**
 * Number of AICH leaf hashes of a file of `size` bytes, as stored in known2_64.met:
 * `53·⌊size/PARTSIZE⌋ + ⌈(size mod PARTSIZE)/EMBLOCKSIZE⌉` (docs/met-format.md#known2_64met). Returns 1 for `size` 0
 * (the single leaf is SHA-1 of nothing; clients never share empty files).
 *
 * @throws RangeError when `size` is not a non-negative safe integer.
 */
export function aichLeafCount(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`file size must be a non-negative safe integer, got ${size}`);
  }
  if (size === 0) return 1;
  const parts = Math.floor(size / ED2K_PART_SIZE);
  return parts * AICH_BLOCKS_PER_PART + Math.ceil((size % ED2K_PART_SIZE) / AICH_BLOCK_SIZE);
}
