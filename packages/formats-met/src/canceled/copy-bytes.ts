/**
 * A plain `Uint8Array` copy of `bytes[start, end)`. Not `bytes.slice()`: on a Node `Buffer` that
 * returns a view sharing memory (and a `Buffer`), while decoded values must own their bytes.
 */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}
