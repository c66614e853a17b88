import type { MemoryFs } from "@snapwrite/testkit";
import {
  encodeRecordHeader,
  encodeSegmentHeader,
  RECORD_HEADER_BYTES,
  segmentFileName,
} from "../src/index.js";
import { groupRecordFlags } from "../src/segment-format.js";
import { enc } from "./helpers.js";

/** Where a hand-built record lies in its segment. */
export interface BuiltRecord {
  readonly seq: number;
  readonly text: string;
  readonly offset: number;
  readonly end: number;
}

/** Options of {@link buildSegment}. */
export interface BuildOptions {
  /** Groups of record texts, in order; seqs from `firstSeq`. */
  readonly groups: readonly (readonly string[])[];
  readonly firstSeq?: number | undefined;
  readonly salt?: number | undefined;
  /**
   * Flags as a writer of this version sets them over preallocated space (`RECORD_FLAG_PREALLOCATED`
   * on every record, `RECORD_FLAG_GROUP_END` on each group's last), or none (`false`: an older
   * writer). Default true.
   */
  readonly marked?: boolean | ((groupIndex: number) => boolean) | undefined;
  /** Zeros after the last record (preallocated space). Default 0. */
  readonly padding?: number | undefined;
}

/** A segment file built from the format's encoders: its bytes and where each record lies. */
export function buildSegment(options: BuildOptions): { bytes: Uint8Array; records: BuiltRecord[] } {
  const firstSeq = options.firstSeq ?? 1;
  const salt = options.salt ?? 0x5eed1234;
  const parts: Uint8Array[] = [
    encodeSegmentHeader({ salt, firstSeq, createdAt: 0, prevValidBytes: 0 }),
  ];
  const records: BuiltRecord[] = [];
  let offset = (parts[0] as Uint8Array).byteLength;
  let seq = firstSeq;
  options.groups.forEach((group, g) => {
    const marked =
      typeof options.marked === "function" ? options.marked(g) : (options.marked ?? true);
    group.forEach((text, i) => {
      const payload = enc(text);
      const flags = marked ? groupRecordFlags(true, i, group.length) : 0;
      parts.push(encodeRecordHeader(salt, { seq, flags }, payload), payload);
      const next = offset + RECORD_HEADER_BYTES + payload.byteLength;
      records.push({ seq, text, offset, end: next });
      offset = next;
      seq++;
    });
  });
  parts.push(new Uint8Array(options.padding ?? 0));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return { bytes, records };
}

/** Overwrites the bytes of `record` with zeros (a page that never reached the disk) or `fill`. */
export function punch(bytes: Uint8Array, record: BuiltRecord, fill = 0): void {
  bytes.fill(fill, record.offset, record.end);
}

/** Writes `bytes` as segment `firstSeq` (roll 0) of journal `name` in `dir`; returns its path. */
export function writeSegment(
  fs: MemoryFs,
  dir: string,
  name: string,
  bytes: Uint8Array,
  firstSeq = 1,
): string {
  const path = `${dir}/${segmentFileName(name, firstSeq, 0)}`;
  fs.vol.writeFileSync(path, bytes);
  return path;
}
