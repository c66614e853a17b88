import { optionEntry, resolveOptionValues } from "@snapwrite/core/sink-kit";
import { MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES, MIN_SMALL_FIRST_BYTES } from "../journal-bounds.js";
import type { OpenJournalOptions } from "../journal-types.js";
import { DEFAULT_MAX_RECORD_BYTES } from "../segment-format.js";

/** Default of `preallocateBytes`: zero-filled space kept ahead of the write position. */
export const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;

/** The journal writer's size options, resolved. */
export interface WriterSizes {
  readonly maxRecordBytes: number;
  /** At most {@link MAX_SEGMENT_BYTES}: a segment records its predecessor's length in 32 bits. */
  readonly maxSegmentBytes: number;
  readonly maxGroupBytes: number;
  readonly smallFirstBytes: number;
  readonly preallocateBytes: number;
}

/** Integers from `min` to `max` (default: every safe integer). */
function bytes(
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  return optionEntry(value, fallback, { min, max, integer: true });
}

/**
 * `openJournal`'s sizes through core's `resolvePolicy` (no environment variables), with their
 * defaults: `maxRecordBytes` (16 MiB), `maxSegmentBytes` (64 MiB, at least a segment header and
 * one record header, at most `MAX_SEGMENT_BYTES`), `group.maxBytes` (1 MiB), each a positive safe
 * integer, `group.smallFirstBytes` (128 KiB, `0`: each append a group of its own) and
 * `preallocateBytes` (1 MiB, `0`: none). The bounds are journal-bounds.ts's, which the store checks
 * its options with. Only a left-out option takes its default: `null` is a `TypeError`, a value out
 * of range a `RangeError` (`openJournal: group.maxBytes must be >= 1, got 0`).
 */
export function resolveWriterSizes(options: OpenJournalOptions): WriterSizes {
  const group = options.group ?? {};
  const values = resolveOptionValues("openJournal", {
    maxRecordBytes: bytes(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 1),
    maxSegmentBytes: bytes(
      options.maxSegmentBytes,
      64 * 1024 * 1024,
      MIN_SEGMENT_BYTES,
      MAX_SEGMENT_BYTES,
    ),
    "group.maxBytes": bytes(group.maxBytes, 1024 * 1024, 1),
    "group.smallFirstBytes": bytes(group.smallFirstBytes, 128 * 1024, MIN_SMALL_FIRST_BYTES),
    preallocateBytes: bytes(options.preallocateBytes, DEFAULT_PREALLOCATE_BYTES, 0),
  });
  return {
    maxRecordBytes: values.maxRecordBytes,
    maxSegmentBytes: values.maxSegmentBytes,
    maxGroupBytes: values["group.maxBytes"],
    smallFirstBytes: values["group.smallFirstBytes"],
    preallocateBytes: values.preallocateBytes,
  };
}
