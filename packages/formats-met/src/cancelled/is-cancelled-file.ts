import { checkMd4Hash, compareHash } from "../canceled/compare-hash.js";
import { cancelledFileId } from "./cancelled-file-id.js";
import type { EmuleCancelledMet } from "./emule-cancelled-met.js";

/**
 * True when eMule, having loaded this list, treats the file `hash` as cancelled
 * (`IsCancelledFileByID`): its salted id (or, in the legacy format, the plain hash) is listed.
 * A salted list with seed 0 matches nothing, because eMule replaces that seed on load.
 *
 * @throws TypeError when `hash` is not 16 bytes.
 */
export function isCancelledFile(list: EmuleCancelledMet, hash: Uint8Array): boolean {
  checkMd4Hash(hash, "isCancelledFile");
  let id: Uint8Array;
  if (list.format === "legacy") id = hash;
  else if (list.seed === 0) return false;
  else id = cancelledFileId(list.seed, hash);
  for (const e of list.entries) if (compareHash(e.id, id) === 0) return true;
  return false;
}
