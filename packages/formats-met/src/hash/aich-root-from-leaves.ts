import { createHash } from "node:crypto";
import { aichLeafCount } from "./aich-leaf-count.js";
import { AICH_BLOCK_SIZE, AICH_BLOCKS_PER_PART, ED2K_PART_SIZE } from "./ed2k-constants.js";

/**
 * Recomputes the AICH root ("master hash") of a file of `size` bytes from its leaf hashes, with
 * the tree shape of docs/met-format.md#known2_64met: a node of S bytes splits in units of PARTSIZE when S > PARTSIZE,
 * else of EMBLOCKSIZE; a left child (the root counts as one) gives its left child the larger half
 * of the units, a right child the smaller; inner nodes are SHA-1(left ‖ right).
 *
 * This is what a client does when it loads known2_64.met and checks an entry.
 *
 * @param leaves - The leaf hashes concatenated left to right, 20 bytes each.
 * @throws RangeError when `leaves` is not 20 × {@link aichLeafCount} bytes long.
 */
export function aichRootFromLeaves(size: number, leaves: Uint8Array): Uint8Array {
  const expected = aichLeafCount(size);
  if (!(leaves instanceof Uint8Array) || leaves.length !== expected * 20) {
    throw new RangeError(
      `a file of ${size} bytes has ${expected} AICH leaves (${expected * 20} bytes), got ${leaves?.length} bytes`,
    );
  }
  return new Uint8Array(node(leaves, 0, size, true));
}

function leafIndex(offset: number): number {
  const part = Math.floor(offset / ED2K_PART_SIZE);
  return part * AICH_BLOCKS_PER_PART + (offset - part * ED2K_PART_SIZE) / AICH_BLOCK_SIZE;
}

function node(leaves: Uint8Array, offset: number, size: number, isLeftChild: boolean): Uint8Array {
  if (size <= AICH_BLOCK_SIZE) {
    const at = leafIndex(offset) * 20;
    return leaves.subarray(at, at + 20);
  }
  const unit = size > ED2K_PART_SIZE ? ED2K_PART_SIZE : AICH_BLOCK_SIZE;
  const blocks = Math.ceil(size / unit);
  const leftSize = (isLeftChild ? Math.floor((blocks + 1) / 2) : Math.floor(blocks / 2)) * unit;
  const left = node(leaves, offset, leftSize, true);
  const right = node(leaves, offset + leftSize, size - leftSize, false);
  return createHash("sha1").update(left).update(right).digest();
}
