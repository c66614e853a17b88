import { createMd4 } from "./create-md4.js";

/**
 * Whether `hash` is the MD4 of the part hashes (concatenated, or as a list), what eMule and aMule
 * check on load for a file of more than one part. Shared by `validateKnownMet` and the record
 * factories, so both apply the same rule.
 */
export function fileHashMatchesParts(
  hash: Uint8Array,
  partHashes: Uint8Array | readonly Uint8Array[],
): boolean {
  const hasher = createMd4();
  if (partHashes instanceof Uint8Array) hasher.update(partHashes);
  else for (const part of partHashes) hasher.update(part);
  const digest = hasher.digest();
  for (let k = 0; k < 16; k++) if (digest[k] !== hash[k]) return false;
  return true;
}
