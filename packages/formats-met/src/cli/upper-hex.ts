/** Bytes as uppercase hex, the way the CLI shows hashes and binary values. */
export function upperHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("hex")
    .toUpperCase();
}
