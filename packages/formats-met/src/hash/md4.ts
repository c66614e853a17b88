import { createMd4 } from "./create-md4.js";

/**
 * MD4 digest (RFC 1320) of `data`: the 16-byte hash eMule and aMule use for file and part hashes.
 *
 * @example
 * ```ts
 * md4(new Uint8Array(0)); // 31d6cfe0d16ae931b73c59d7e0c089c0
 * ```
 */
export function md4(data: Uint8Array): Uint8Array {
  return createMd4().update(data).digest();
}
