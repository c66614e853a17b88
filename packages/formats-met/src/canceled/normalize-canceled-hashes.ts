import type { AmuleCanceledMet } from "./amule-canceled-met.js";
import { compareHash, isZeroHash } from "./compare-hash.js";

/**
 * The list as aMule holds it after loading (a `std::set<CMD4Hash>`): all-zero hashes dropped,
 * sorted in memcmp order, duplicates removed. Already-normalised input is returned as is.
 */
export function normalizeCanceledHashes(list: AmuleCanceledMet): readonly Uint8Array[] {
  const hashes = list.hashes;
  let ok = true;
  for (let i = 0; i < hashes.length && ok; i++) {
    const h = hashes[i] as Uint8Array;
    if (isZeroHash(h) || (i > 0 && compareHash(hashes[i - 1] as Uint8Array, h) >= 0)) ok = false;
  }
  if (ok) return hashes;
  const sorted = hashes.filter((h) => !isZeroHash(h)).sort(compareHash);
  return sorted.filter((h, i) => i === 0 || compareHash(sorted[i - 1] as Uint8Array, h) !== 0);
}

/** Binary search in a normalised list: index of `hash`, or `-(insertion point) - 1`. */
export function searchCanceledHashes(hashes: readonly Uint8Array[], hash: Uint8Array): number {
  let lo = 0;
  let hi = hashes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareHash(hashes[mid] as Uint8Array, hash);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}
