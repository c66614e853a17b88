import type { KnownFileRecord } from "./known-file-record.js";

/**
 * Orders records the way aMule 2.3.3 saves them (SPEC §2.6): older records whose MD4 hash occurs
 * again later ("duplicates") first, in their original order, then one record per hash — the last
 * one — in ascending hash byte order (memcmp). Returns a new array; the input is not changed.
 */
export function sortKnownFileRecordsAmule(records: readonly KnownFileRecord[]): KnownFileRecord[] {
  const hashes = records.map((r) => r.hash);
  const lastIndex = new Map<string, number>();
  const keys = hashes.map((h) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("hex"));
  keys.forEach((key, i) => {
    lastIndex.set(key, i);
  });
  const duplicates: KnownFileRecord[] = [];
  const latest: number[] = [];
  records.forEach((record, i) => {
    if (lastIndex.get(keys[i] as string) === i) latest.push(i);
    else duplicates.push(record);
  });
  latest.sort((a, b) => Buffer.compare(hashes[a] as Uint8Array, hashes[b] as Uint8Array));
  return [...duplicates, ...latest.map((i) => records[i] as KnownFileRecord)];
}
