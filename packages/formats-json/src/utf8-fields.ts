import { Buffer } from "node:buffer";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Fields up to this many bytes are checked for ASCII first (an op's collection, key, value). */
const ASCII_CHECK_BYTES = 1024;

/** `bytes` as a `Buffer` over the same memory (itself when it is one): nothing is copied. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The UTF-8 text of `bytes[start, end)`; throws the `TextDecoder`'s `TypeError` for ill-formed
 * UTF-8. A short field of ASCII bytes only (the usual collection, key and small value) is read
 * with a `latin1` slice, which gives the same string for them without a view and a decoder call
 * per field.
 */
export function utf8Field(bytes: Buffer, start: number, end: number): string {
  if (end - start <= ASCII_CHECK_BYTES) {
    let at = start;
    while (at < end && (bytes[at] as number) < 0x80) at++;
    if (at === end) return bytes.toString("latin1", start, end);
  }
  return strictUtf8.decode(bytes.subarray(start, end));
}
