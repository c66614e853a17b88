import type { AmuleCanceledMet } from "./amule-canceled-met.js";
import { checkMd4Hash } from "./compare-hash.js";
import { normalizeCanceledHashes, searchCanceledHashes } from "./normalize-canceled-hashes.js";

/**
 * Returns a new list without `hash` (aMule removes a hash when a previously cancelled file is
 * downloaded after all), normalised like {@link addAmuleCanceledFile}.
 *
 * @throws TypeError when `hash` is not 16 bytes.
 */
export function removeAmuleCanceledFile(
  list: AmuleCanceledMet,
  hash: Uint8Array,
): AmuleCanceledMet {
  checkMd4Hash(hash, "removeAmuleCanceledFile");
  const hashes = normalizeCanceledHashes(list);
  const at = searchCanceledHashes(hashes, hash);
  if (at < 0) return hashes === list.hashes ? list : { hashes };
  return { hashes: [...hashes.slice(0, at), ...hashes.slice(at + 1)] };
}
