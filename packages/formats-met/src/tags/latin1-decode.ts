/** Latin-1 (ISO-8859-1) decoding: every byte becomes the code point of the same value. */
export function latin1Decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
