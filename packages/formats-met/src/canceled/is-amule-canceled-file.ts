import type { AmuleCanceledMet } from "./amule-canceled-met.js";
import { checkMd4Hash, compareHash, isZeroHash } from "./compare-hash.js";

/**
 * True when aMule would treat `hash` as a cancelled download with this list loaded (the
 * all-zero hash never is, since aMule skips it on load).
 *
 * @throws TypeError when `hash` is not 16 bytes.
 */
export function isAmuleCanceledFile(list: AmuleCanceledMet, hash: Uint8Array): boolean {
  checkMd4Hash(hash, "isAmuleCanceledFile");
  if (isZeroHash(hash)) return false;
  for (const h of list.hashes) if (compareHash(h, hash) === 0) return true;
  return false;
}
