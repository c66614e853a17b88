import { optionEntry, resolveOptionValues } from "@snapwrite/core/sink-kit";
import type { OpenJournalOptions } from "../journal-types.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
} from "../segment-format.js";

/** The smallest `maxSegmentBytes`: a segment header and one record header. */
export const MIN_SEGMENT_BYTES = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES;

/** Default of `preallocateBytes`: zero-filled space kept ahead of the write position. */
export const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;

/** The journal writer's size options, resolved. */
export interface WriterSizes {
  readonly maxRecordBytes: number;
  /** At most 2^32 − 1: a segment records its predecessor's length in 32 bits. */
  readonly maxSegmentBytes: number;
  readonly maxGroupBytes: number;
  readonly smallFirstBytes: number;
  readonly preallocateBytes: number;
}

/** Safe integers from `min` on. */
function bytes(value: number | undefined, fallback: number, min: number) {
  return optionEntry(value, fallback, { min, max: Number.MAX_SAFE_INTEGER, integer: true });
}

/**
 * `openJournal`'s sizes through core's `resolvePolicy` (no environment variables), with their
 * defaults: `maxRecordBytes` (16 MiB), `maxSegmentBytes` (64 MiB, at least a segment header and
 * one record header), `group.maxBytes` (1 MiB), `group.smallFirstBytes` (128 KiB), each a positive
 * safe integer, and `preallocateBytes` (1 MiB, `0`: none). Only a left-out option takes its
 * default: `null` is a `TypeError`, a value out of range a `RangeError`
 * (`openJournal: group.maxBytes must be >= 1, got 0`).
 */
export function resolveWriterSizes(options: OpenJournalOptions): WriterSizes {
  const group = options.group ?? {};
  const values = resolveOptionValues("openJournal", {
    maxRecordBytes: bytes(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 1),
    maxSegmentBytes: bytes(options.maxSegmentBytes, 64 * 1024 * 1024, MIN_SEGMENT_BYTES),
    "group.maxBytes": bytes(group.maxBytes, 1024 * 1024, 1),
    "group.smallFirstBytes": bytes(group.smallFirstBytes, 128 * 1024, 1),
    preallocateBytes: bytes(options.preallocateBytes, DEFAULT_PREALLOCATE_BYTES, 0),
  });
  return {
    maxRecordBytes: values.maxRecordBytes,
    maxSegmentBytes: Math.min(values.maxSegmentBytes, 2 ** 32 - 1),
    maxGroupBytes: values["group.maxBytes"],
    smallFirstBytes: values["group.smallFirstBytes"],
    preallocateBytes: values.preallocateBytes,
  };
}
