/** memcmp order of two byte strings of equal length (what aMule's `std::set<CMD4Hash>` sorts by). */
export function compareHash(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when `hash` is 16 zero bytes (aMule skips such entries on load). */
export function isZeroHash(hash: Uint8Array): boolean {
  for (let i = 0; i < hash.length; i++) if (hash[i] !== 0) return false;
  return true;
}

/** Throws TypeError unless `hash` is a 16-byte Uint8Array. */
export function checkMd4Hash(hash: unknown, what: string): asserts hash is Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== 16) {
    throw new TypeError(`${what}: an MD4 file hash is a 16-byte Uint8Array`);
  }
}
