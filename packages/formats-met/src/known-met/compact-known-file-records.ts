import { PersistenceError } from "@snapwrite/core";
import { findSizeTag } from "./find-size-tag.js";
import type { KnownFileRecord } from "./known-file-record.js";
import { KnownFileRecordView } from "./known-file-record-view.js";
import { recordEnd } from "./record-end.js";

/** Largest buffer one compaction allocates; bigger record sets get several. */
const SEGMENT_SIZE = 64 * 1024 * 1024;

/**
 * Copies records into fresh, tightly packed buffers and returns new records with the same bytes,
 * in the same order.
 *
 * Decoded records keep their whole input buffer alive, and created records their shared slab, for
 * as long as any one of them is referenced. An application that keeps replacing single records of
 * a large list can call this now and then (it runs at memcpy speed) so that memory follows the
 * live records again, once it drops the old ones; the packed records also encode in one copy per
 * 64 MiB.
 *
 * @throws PersistenceError `ERR_ENCODE` (with `details.record`) for a record object whose `bytes`
 *   do not hold exactly one valid record.
 */
export function compactKnownFileRecords(records: readonly KnownFileRecord[]): KnownFileRecord[] {
  if (!Array.isArray(records))
    throw new TypeError("compactKnownFileRecords: records must be an array");
  const out: KnownFileRecord[] = new Array(records.length);
  let start = 0;
  while (start < records.length) {
    let total = 0;
    let end = start;
    while (end < records.length) {
      const length = byteLength(records[end], end);
      if (end > start && total + length > SEGMENT_SIZE) break;
      total += length;
      end++;
    }
    const segment = new Uint8Array(total);
    let p = 0;
    for (let i = start; i < end; i++) {
      const rec = records[i] as KnownFileRecord;
      let sizeOff: number;
      if (rec instanceof KnownFileRecordView) {
        segment.set(rec.src.subarray(rec.off, rec.end), p);
        sizeOff = rec.sizeOff < 0 ? -1 : p + rec.sizeOff - rec.off;
      } else {
        segment.set(rec.bytes, p);
        sizeOff = findSizeTag(segment, p);
      }
      const length = rec instanceof KnownFileRecordView ? rec.end - rec.off : rec.bytes.length;
      out[i] = new KnownFileRecordView(segment, p, p + length, sizeOff);
      p += length;
    }
    start = end;
  }
  return out;
}

function byteLength(rec: KnownFileRecord | undefined, index: number): number {
  if (rec instanceof KnownFileRecordView) return rec.end - rec.off;
  const bytes = rec?.bytes;
  let valid = false;
  if (bytes instanceof Uint8Array) {
    try {
      valid = recordEnd(bytes, 0) === bytes.length;
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new PersistenceError(
      "ERR_ENCODE",
      `known.met: record ${index} has no valid record bytes`,
      {
        details: { record: index },
      },
    );
  }
  return (bytes as Uint8Array).length;
}
