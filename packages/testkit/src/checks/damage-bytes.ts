import fc from "fast-check";

/** One damage done to an encoding: flip a bit, cut the rest off, overwrite or insert a byte. */
export interface ByteDamage {
  readonly kind: "flip" | "cut" | "set" | "insert";
  /** Where, taken modulo the length of the bytes it is applied to. */
  readonly at: number;
  /** The byte written (`set`, `insert`); its low 3 bits pick the bit of a `flip`. */
  readonly byte: number;
}

/** fast-check arbitrary of one {@link ByteDamage}. */
export const byteDamage: fc.Arbitrary<ByteDamage> = fc.record({
  kind: fc.constantFrom("flip" as const, "cut" as const, "set" as const, "insert" as const),
  at: fc.nat(),
  byte: fc.nat(255),
});

/**
 * Applies `damages` in order to a copy of `bytes` (the input is never changed): the mutated
 * encodings a decoder's fuzz test feeds it, which must decode or fail with `ERR_CORRUPT` (or
 * `ERR_UNSUPPORTED`) only.
 */
export function damageBytes(bytes: Uint8Array, damages: readonly ByteDamage[]): Uint8Array {
  let out = bytes;
  for (const d of damages) {
    const at = out.byteLength === 0 ? 0 : d.at % out.byteLength;
    if (d.kind === "cut") out = out.subarray(0, at);
    else if (d.kind === "insert") {
      const next = new Uint8Array(out.byteLength + 1);
      next.set(out.subarray(0, at));
      next[at] = d.byte;
      next.set(out.subarray(at), at + 1);
      out = next;
    } else if (out.byteLength > 0) {
      out = out.slice();
      out[at] = d.kind === "set" ? d.byte : (out[at] as number) ^ (1 << (d.byte & 7));
    }
  }
  return out;
}
