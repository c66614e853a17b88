import { randomInt } from "node:crypto";
import { checkMd4Hash, compareHash } from "../canceled/compare-hash.js";
import { cancelledFileId } from "./cancelled-file-id.js";
import {
  EMULE_CANCELLED_VERSION,
  type EmuleCancelledEntry,
  type EmuleCancelledMet,
} from "./emule-cancelled-met.js";

/** Options of {@link addCancelledFile}. */
export interface AddCancelledFileOptions {
  /**
   * Source of a random uint32 for a new seed (default: `node:crypto`). The seed is
   * `random() % 0xFFFFFFFE + 1`, so always in 1..0xFFFFFFFE, like eMule's.
   */
  readonly random?: (() => number) | undefined;
}

/**
 * Returns a new list with the file `hash` marked as cancelled, the way eMule does it
 * (`AddCancelledFileID`), in the salted format with version 1:
 * - a list without a seed (seed 0, or the legacy format) gets a new random seed first; legacy
 *   entries (plain hashes) are converted to salted ids with it, as eMule does on load, while
 *   salted entries of a seed-0 list are kept as they are (they no longer match anything — eMule
 *   behaves the same);
 * - the salted id is appended unless already present (eMule keeps a set).
 *
 * @throws TypeError when `hash` is not 16 bytes.
 */
export function addCancelledFile(
  list: EmuleCancelledMet,
  hash: Uint8Array,
  options: AddCancelledFileOptions = {},
): EmuleCancelledMet {
  checkMd4Hash(hash, "addCancelledFile");
  let seed = list.format === "salted" ? list.seed : 0;
  let entries: readonly EmuleCancelledEntry[] = list.entries;
  if (seed === 0) {
    seed = newSeed(options.random);
    if (list.format === "legacy") {
      entries = entries.map((e) => ({ id: cancelledFileId(seed, e.id), tags: e.tags }));
    }
  }
  const id = cancelledFileId(seed, hash);
  const present = entries.some((e) => compareHash(e.id, id) === 0);
  return {
    format: "salted",
    version: EMULE_CANCELLED_VERSION,
    seed,
    entries: present ? entries : [...entries, { id, tags: [] }],
  };
}

function newSeed(random: (() => number) | undefined): number {
  const r = random === undefined ? randomInt(0, 0x100000000) : random();
  if (!Number.isInteger(r) || r < 0 || r > 0xffffffff) {
    throw new RangeError(`addCancelledFile: random() must return a uint32, got ${r}`);
  }
  return (r % 0xfffffffe) + 1;
}
