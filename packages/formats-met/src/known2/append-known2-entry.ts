import { checkKnown2Entry } from "./check-known2-entry.js";
import { KNOWN2_MET_VERSION, type Known2Entry, type Known2Met } from "./known2-met.js";
import { readKnown2Entries } from "./read-known2-entries.js";

/**
 * Returns exactly the bytes a client appends to known2_64.met to store `entry` (clients never
 * rewrite this file, they only append):
 * - nothing (an empty array) when an entry with the same root is already there;
 * - the version byte followed by the entry when `existing` is an empty file (length 0);
 * - the entry alone otherwise.
 *
 * `existing` is the current file content, or its decoded value (which always has its version
 * byte on disk). Accepts `computeEd2kHashes(...).aich` as `entry`.
 *
 * @throws PersistenceError `ERR_CORRUPT` (as {@link known2MetCodec}'s `decode`) when `existing`
 *   bytes are damaged: truncate the file to `salvageKnown2Met(existing).validLength` first.
 * @throws PersistenceError `ERR_ENCODE` when `entry` has no 20-byte root or partial leaves.
 */
export function appendKnown2Entry(
  existing: Uint8Array | Known2Met,
  entry: Known2Entry,
): Uint8Array {
  checkKnown2Entry(entry, 0);
  let entries: readonly Known2Entry[];
  let withVersion = false;
  if (existing instanceof Uint8Array) {
    if (existing.length === 0) {
      entries = [];
      withVersion = true;
    } else {
      const scan = readKnown2Entries(existing);
      if (scan.error !== undefined) throw scan.error;
      entries = scan.entries;
    }
  } else {
    entries = existing.entries;
  }
  for (const e of entries) if (sameRoot(e.root, entry.root)) return new Uint8Array(0);
  const head = withVersion ? 1 : 0;
  const out = new Uint8Array(head + 24 + entry.leaves.length);
  if (withVersion) out[0] = KNOWN2_MET_VERSION;
  out.set(entry.root, head);
  new DataView(out.buffer).setUint32(head + 20, entry.leaves.length / 20, true);
  out.set(entry.leaves, head + 24);
  return out;
}

function sameRoot(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 20; i++) if (a[i] !== b[i]) return false;
  return true;
}
