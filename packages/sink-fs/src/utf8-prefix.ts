/**
 * The longest prefix of `text` that takes at most `maxBytes` bytes in UTF-8 (as the file system
 * stores a name), never cutting a character in two (a lone surrogate counts as the 3 bytes of the
 * U+FFFD it is stored as).
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char, "utf8");
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}
