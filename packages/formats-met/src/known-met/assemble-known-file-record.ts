import type { MetTag } from "../tags/met-tag.js";
import { scanMetTag } from "../tags/scan-met-tag.js";
import { checkRecordBasics } from "./check-record-basics.js";
import type { KnownFileRecord } from "./known-file-record.js";
import { RecordBuilder } from "./record-builder.js";

/** The parts of a record, for {@link assembleKnownFileRecord}. */
export interface KnownFileRecordParts {
  /** Last-write date, uint32 Unix seconds. */
  readonly date: number;
  /** 16-byte MD4 file hash. */
  readonly hash: Uint8Array;
  /** Part hashes: 16·P bytes back to back, or a list of 16-byte hashes (P ≤ 65,535). */
  readonly partHashes: Uint8Array | readonly Uint8Array[];
  /** Tags in wire order, written exactly as their `raw` bytes. */
  readonly tags: readonly MetTag[];
}

/**
 * Builds a record from its parts verbatim (any tags, any order, duplicates allowed) — for
 * handmade records, edits of decoded ones (`{ ...parts, tags: [...record.tags, extra] }`) and
 * tests. The result owns a copy of the bytes. Throws `TypeError`/`RangeError` for parts that
 * cannot be written (wrong hash length, more than 65,535 part hashes, a tag whose `raw` is not
 * exactly one valid tag).
 */
export function assembleKnownFileRecord(parts: KnownFileRecordParts): KnownFileRecord {
  const { date, hash, partHashes, tags } = parts;
  checkRecordBasics(date, hash, partHashes);
  if (!Array.isArray(tags)) throw new TypeError("assembleKnownFileRecord: tags must be an array");
  const builder = new RecordBuilder(date, hash, partHashes);
  for (const tag of tags as readonly MetTag[]) {
    const raw = tag?.raw;
    let valid = false;
    if (raw instanceof Uint8Array) {
      try {
        valid = scanMetTag(raw, 0) === raw.length;
      } catch {
        valid = false;
      }
    }
    if (!valid)
      throw new TypeError("assembleKnownFileRecord: every tag's raw must be one valid tag");
    builder.raw(raw, tag.id === 2 && tag.name === undefined);
  }
  return builder.finish();
}
