/**
 * Concatenates chunks, such as the output of a codec's `encode`, into one fresh `Uint8Array`.
 * Throws a `TypeError` when `chunks` is not iterable or holds something other than a `Uint8Array`.
 */
export function concatChunks(chunks: Iterable<Uint8Array>): Uint8Array<ArrayBuffer> {
  if (
    chunks === null ||
    typeof (chunks as Partial<Iterable<Uint8Array>>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError("concatChunks: chunks must be an iterable of Uint8Array");
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`concatChunks: chunk ${parts.length} is not a Uint8Array`);
    }
    parts.push(chunk);
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
