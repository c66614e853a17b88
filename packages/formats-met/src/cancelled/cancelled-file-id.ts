import { createHash } from "node:crypto";
import { checkMd4Hash } from "../canceled/compare-hash.js";

/**
 * The salted id eMule stores in cancelled.met for a file: the 16-byte MD5 of the seed as 4
 * little-endian bytes followed by the 16-byte MD4 file hash (`AddCancelledFileID`).
 *
 * @throws TypeError when `hash` is not 16 bytes; RangeError when `seed` is not a uint32.
 */
export function cancelledFileId(seed: number, hash: Uint8Array): Uint8Array {
  checkMd4Hash(hash, "cancelledFileId");
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`cancelledFileId: seed must be a uint32, got ${seed}`);
  }
  const input = new Uint8Array(20);
  new DataView(input.buffer).setUint32(0, seed, true);
  input.set(hash, 4);
  return new Uint8Array(createHash("md5").update(input).digest());
}
