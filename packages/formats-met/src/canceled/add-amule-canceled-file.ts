import type { AmuleCanceledMet } from "./amule-canceled-met.js";
import { checkMd4Hash, isZeroHash } from "./compare-hash.js";
import { copyBytes } from "./copy-bytes.js";
import { normalizeCanceledHashes, searchCanceledHashes } from "./normalize-canceled-hashes.js";

/**
 * Returns a new list with `hash` added, as aMule saves it after cancelling a download: sorted in
 * memcmp order, no duplicates, no all-zero hashes. Adding a hash already present (or the all-zero
 * hash, which aMule ignores) returns the normalised list unchanged.
 *
 * @throws TypeError when `hash` is not 16 bytes.
 */
export function addAmuleCanceledFile(list: AmuleCanceledMet, hash: Uint8Array): AmuleCanceledMet {
  checkMd4Hash(hash, "addAmuleCanceledFile");
  const hashes = normalizeCanceledHashes(list);
  if (isZeroHash(hash)) return hashes === list.hashes ? list : { hashes };
  const at = searchCanceledHashes(hashes, hash);
  if (at >= 0) return hashes === list.hashes ? list : { hashes };
  const insert = -at - 1;
  return {
    hashes: [...hashes.slice(0, insert), copyBytes(hash, 0, 16), ...hashes.slice(insert)],
  };
}
