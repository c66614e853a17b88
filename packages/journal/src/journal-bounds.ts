import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "./segment-format.js";

// The bounds of the journal's size options that hold for anyone who opens a journal: the store
// checks its own options of the same meaning against these very constants, so that both refuse
// the same values.

/**
 * The smallest `maxSegmentBytes`: a segment header and one record header, so that a segment can
 * hold a record. Less is a `RangeError` naming this minimum.
 */
export const MIN_SEGMENT_BYTES = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES;

/**
 * The largest `maxSegmentBytes`: a segment records its predecessor's length in 32 bits. More is a
 * `RangeError` naming this maximum, from `openJournal` and the store alike.
 */
export const MAX_SEGMENT_BYTES = 2 ** 32 - 1;

/**
 * The smallest `group.smallFirstBytes`: `0` caps a group at its first append's own size, so every
 * append (or `appendGroup` call) is a group of its own.
 */
export const MIN_SMALL_FIRST_BYTES = 0;
