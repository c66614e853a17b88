import type { KnownFileRecord } from "./known-file-record.js";

/**
 * Orders records the way aMule 2.3.3 saves them (docs/met-format.md#record-order-and-round-trips): older records whose MD4 hash occurs
 * again later ("duplicates") first, in their original order, then one record per hash — the last
 * one — in ascending hash byte order (memcmp). Returns a new array; the input is not changed.
 */
export function sortKnownFileRecordsAmule(records: readonly KnownFileRecord[]): KnownFileRecord[] {
  const n = records.length;
  const hashes: Uint8Array[] = new Array(n);
  // The first 4 hash bytes, big-endian, decide most comparisons without touching the hashes.
  const prefix = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = (records[i] as KnownFileRecord).hash;
    hashes[i] = h;
    prefix[i] =
      (((h[0] as number) << 24) |
        ((h[1] as number) << 16) |
        ((h[2] as number) << 8) |
        (h[3] as number)) >>>
      0;
  }
  const compareHashes = (a: number, b: number): number => {
    const pa = prefix[a] as number;
    const pb = prefix[b] as number;
    if (pa !== pb) return pa < pb ? -1 : 1;
    const ha = hashes[a] as Uint8Array;
    const hb = hashes[b] as Uint8Array;
    for (let k = 4; k < 16; k++) {
      const d = (ha[k] as number) - (hb[k] as number);
      if (d !== 0) return d;
    }
    return 0;
  };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => compareHashes(a, b) || a - b);
  const duplicates: number[] = [];
  const latest: KnownFileRecord[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const next = order[k + 1];
    if (next !== undefined && compareHashes(i, next) === 0) duplicates.push(i);
    else latest.push(records[i] as KnownFileRecord);
  }
  duplicates.sort((a, b) => a - b);
  const out: KnownFileRecord[] = duplicates.map((i) => records[i] as KnownFileRecord);
  for (const record of latest) out.push(record);
  return out;
}
