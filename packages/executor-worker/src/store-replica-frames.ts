/**
 * The binary patches that carry a store's op stream to a store replica worker (tags of
 * `WorkerReplica.patchBytes`). Internal: owner and worker come from the same package version.
 */
export const STORE_FRAME = Object.freeze({
  /** UTF-8 JSON `{ seq, snapshot }`: load the snapshot file (or the empty state) at `seq`. */
  seed: 1,
  /** A seq (f64): the seq of the next record. */
  seq: 2,
  /** One op batch, the journal's bytes: the next seq. */
  record: 3,
  /** A seq (f64): the state must be at exactly this seq now (a snapshot is about to be written). */
  expect: 4,
} as const);

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** `seq` as 8 bytes (float64, little-endian) in a scratch buffer: `patchBytes` copies it at once. */
export function seqFrame(seq: number): Uint8Array {
  scratchView.setFloat64(0, seq, true);
  return scratch;
}

/** Reads a {@link seqFrame}; `TypeError` for a payload of another size. */
export function readSeqFrame(payload: Uint8Array): number {
  if (payload.byteLength !== 8) throw new TypeError("a seq frame holds 8 bytes");
  return new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0, true);
}

/** What the seed frame says. */
export interface SeedFrame {
  readonly seq: number;
  readonly snapshot: string | undefined;
}

export function seedFrame(seed: SeedFrame): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(seed));
}

export function readSeedFrame(payload: Uint8Array): SeedFrame {
  const parsed = JSON.parse(new TextDecoder().decode(payload)) as Partial<SeedFrame>;
  if (typeof parsed.seq !== "number" || !Number.isSafeInteger(parsed.seq) || parsed.seq < 0) {
    throw new TypeError("a seed frame needs a seq");
  }
  if (parsed.snapshot !== undefined && typeof parsed.snapshot !== "string") {
    throw new TypeError("a seed frame's snapshot is a file name");
  }
  return { seq: parsed.seq, snapshot: parsed.snapshot };
}
