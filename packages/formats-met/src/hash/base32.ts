import { corruptError } from "@snapwrite/core/codec-kit";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/**
 * Base32 encoding (RFC 4648 §6 alphabet, uppercase, no `=` padding), as used for the AICH root in
 * known.met's FT_AICH_HASH tag (20 bytes → 32 characters).
 */
export function base32Encode(data: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < data.length; i++) {
    acc = ((acc << 8) | (data[i] as number)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Strict inverse of {@link base32Encode}: accepts only the uppercase RFC 4648 alphabet, no
 * padding, no whitespace, a length that a whole number of bytes can produce, and zero unused
 * trailing bits — so every accepted string re-encodes to itself.
 *
 * @throws PersistenceError `ERR_CORRUPT` with `details.offset` (character index) and
 *   `details.reason` `"bad-value"`.
 */
export function base32Decode(text: string): Uint8Array {
  const n = text.length;
  const rem = n % 8;
  if (rem === 1 || rem === 3 || rem === 6) {
    throw corrupt(n, `base32 length ${n} cannot encode whole bytes`);
  }
  const out = new Uint8Array(Math.floor((n * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (DECODE[c] as number) : -1;
    if (v < 0) throw corrupt(i, `invalid base32 character ${JSON.stringify(text[i])}`);
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw corrupt(n - 1, "non-zero trailing bits in base32");
  return out;
}

function corrupt(offset: number, message: string) {
  return corruptError(message, offset, "bad-value", { field: "base32" });
}
