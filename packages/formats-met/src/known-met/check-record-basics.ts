/** Shared argument checks of the record factories. */
export function checkRecordBasics(
  date: number,
  hash: Uint8Array,
  partHashes: Uint8Array | readonly Uint8Array[],
): void {
  if (!Number.isInteger(date) || date < 0 || date > 0xffffffff) {
    throw new RangeError(`date must be a uint32 (Unix seconds), got ${date}`);
  }
  if (!(hash instanceof Uint8Array) || hash.length !== 16) {
    throw new TypeError("hash must be a 16-byte Uint8Array");
  }
  if (partHashes instanceof Uint8Array) {
    if (partHashes.length % 16 !== 0)
      throw new RangeError("partHashes length must be a multiple of 16");
    if (partHashes.length / 16 > 0xffff) throw new RangeError("more than 65,535 part hashes");
  } else if (Array.isArray(partHashes)) {
    if (partHashes.length > 0xffff) throw new RangeError("more than 65,535 part hashes");
    for (const part of partHashes) {
      if (!(part instanceof Uint8Array) || part.length !== 16) {
        throw new TypeError("every part hash must be a 16-byte Uint8Array");
      }
    }
  } else {
    throw new TypeError("partHashes must be a Uint8Array or an array of 16-byte hashes");
  }
}
