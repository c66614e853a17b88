import { ed2kPartHashCount } from "../hash/ed2k-part-hash-count.js";
import { fileHashMatchesParts } from "../hash/file-hash-matches-parts.js";

/**
 * Throws a `RangeError` for a record the client would drop on load, the `record-dropped` rules of
 * `validateKnownMet` (docs/met-format.md#loading-bad-input) that depend on the input: a part-hash
 * count that does not follow the size, a file hash that is not the MD4 of its part hashes when
 * there is more than one, and size 0 for aMule (eMule keeps such a record). The name and size
 * are always written, so the other two rules cannot trigger. Internal to the record factories.
 */
export function checkRecordKept(
  size: number,
  hash: Uint8Array,
  partHashes: Uint8Array | readonly Uint8Array[],
  flavor: "emule" | "amule",
): void {
  if (size === 0 && flavor === "amule") {
    throw new RangeError("createKnownFileRecord: aMule drops a record of size 0");
  }
  const parts = partHashes instanceof Uint8Array ? partHashes.length / 16 : partHashes.length;
  const expected = ed2kPartHashCount(size);
  if (parts !== expected) {
    throw new RangeError(
      `createKnownFileRecord: a ${size}-byte file has ${expected} part hashes, got ${parts}`,
    );
  }
  if (parts > 1 && !fileHashMatchesParts(hash, partHashes)) {
    throw new RangeError(
      "createKnownFileRecord: the file hash must be the MD4 of the part hashes (more than one part)",
    );
  }
}
