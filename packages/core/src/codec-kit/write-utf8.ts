/**
 * Writes `text` as UTF-8 into `target` at `offset` and returns the number of bytes written
 * (lone surrogates become U+FFFD, as `TextEncoder` does). The caller guarantees room for
 * `3 * text.length` bytes. Faster than `TextEncoder` for short strings and allocation-free.
 */
export function writeUtf8(text: string, target: Uint8Array, offset: number): number {
  let p = offset;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      target[p++] = c;
    } else if (c < 0x800) {
      target[p++] = 0xc0 | (c >> 6);
      target[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          target[p++] = 0xf0 | (c >> 18);
          target[p++] = 0x80 | ((c >> 12) & 0x3f);
          target[p++] = 0x80 | ((c >> 6) & 0x3f);
          target[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      target[p++] = 0xe0 | (c >> 12);
      target[p++] = 0x80 | ((c >> 6) & 0x3f);
      target[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - offset;
}
