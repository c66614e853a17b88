/**
 * Reads a known.met FT_AICH_HASH string the way aMule 2.3.3 does (`CAICHHash::DecodeBase32`,
 * docs/met-format.md#how-clients-read-tags): base32 letters in either case and the digits 2–7,
 * accepted when the decoded length ⌈5 × characters / 8⌉ is 20 bytes, i.e. for 31 or 32
 * characters. Returns the 20 bytes aMule keeps (bits a 31-character string does not cover stay
 * zero), or `undefined` for any other string: aMule 2.3.3 then fails its assertion on the decoded
 * length and the daemon aborts while loading (docs/met-format.md#loading-bad-input).
 */
export function decodeAmuleAichString(text: string): Uint8Array | undefined {
  const n = text.length;
  if (Math.ceil((n * 5) / 8) !== 20) return undefined;
  const out = new Uint8Array(20);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = base32Digit(text.charCodeAt(i));
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/** A–Z and a–z → 0–25, 2–7 → 26–31, anything else → -1. */
function base32Digit(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  if (c >= 0x32 && c <= 0x37) return c - 0x32 + 26;
  return -1;
}

/** The string quoted for a message, cut to its first 40 characters. */
export function quoteAichString(text: string): string {
  return text.length > 40
    ? `${JSON.stringify(text.slice(0, 40))}… (${text.length} characters)`
    : JSON.stringify(text);
}
