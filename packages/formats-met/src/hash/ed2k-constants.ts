/** Size of one ed2k part (9 728 000 bytes): the unit of MD4 part hashes. */
export const ED2K_PART_SIZE = 9_728_000;

/** Size of one AICH block (184 320 bytes): the unit of AICH leaf hashes. */
export const AICH_BLOCK_SIZE = 184_320;

/** AICH leaves per full ed2k part: ⌈9 728 000 / 184 320⌉ = 53 (the last block of a part is short). */
export const AICH_BLOCKS_PER_PART = 53;
