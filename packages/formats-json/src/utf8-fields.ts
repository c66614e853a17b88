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

/** Fields up to this many bytes are remembered by {@link RepeatedField}. */
const REPEATED_FIELD_BYTES = 64;

/**
 * {@link utf8Field} for a field that usually repeats from one op to the next (an op's collection):
 * when its bytes are those of the last short field read, the same string is returned without
 * decoding a new one, so ops of one collection also share one string.
 */
export class RepeatedField {
  #bytes = new Uint8Array(0);
  #text = "";

  read(bytes: Buffer, start: number, end: number): string {
    const length = end - start;
    const last = this.#bytes;
    if (length === last.length) {
      let i = 0;
      while (i < length && bytes[start + i] === last[i]) i++;
      if (i === length) return this.#text;
    }
    const text = utf8Field(bytes, start, end);
    if (length <= REPEATED_FIELD_BYTES) {
      this.#bytes = new Uint8Array(bytes.subarray(start, end));
      this.#text = text;
    }
    return text;
  }
}
