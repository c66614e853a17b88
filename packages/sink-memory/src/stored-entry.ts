/** One stored version: the chunks as handed over, never concatenated. Internal. */
export interface Entry {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly generation: number | undefined;
}

/** The entry's chunks, concatenated into a fresh buffer. Internal. */
export function concatEntry(entry: Entry): Uint8Array {
  const out = new Uint8Array(entry.bytes);
  let at = 0;
  for (const chunk of entry.chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** True when the entry's chunks hold exactly `expected` (sizes compared first). */
export function holds(entry: Entry, expected: Uint8Array): boolean {
  if (entry.bytes !== expected.byteLength) return false;
  let at = 0;
  for (const chunk of entry.chunks) {
    for (let i = 0; i < chunk.byteLength; i += 1) {
      if (chunk[i] !== expected[at + i]) return false;
    }
    at += chunk.byteLength;
  }
  return true;
}
