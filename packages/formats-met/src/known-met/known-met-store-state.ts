import { applyKnownMetOp, arraySlots, opKey } from "./apply-known-met-op.js";
import { hashKey } from "./check-known-met-op.js";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMet } from "./encode-known-met.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMetHeader } from "./known-met.js";
import type { KnownMetOp } from "./known-met-op.js";

/** Options of {@link createKnownMetStoreState}. */
export interface KnownMetStoreStateOptions {
  /** Header of the empty state (before any `load`), as the owner store's `empty()` has it. Default `"auto"`. */
  readonly header?: KnownMetHeader | "auto" | undefined;
  /** Chunk size of the encoder in bytes. Default 256 KiB. */
  readonly chunkSize?: number | undefined;
}

/**
 * A known.met state kept in a store replica worker (`serveStoreReplica` of
 * `@snapwrite/executor-worker`), fed with the store's decoded {@link KnownMetOp} batches. It gives
 * the same records in the same order as `applyKnownMetOps` on the owner, and `encode()` the same
 * bytes as `knownMetCodec.encode({ header, records })`, but a batch costs O(ops), not O(records):
 * the records sit in slots indexed by hash.
 */
export interface KnownMetStoreState {
  /** Replaces the state by a whole known.met file (its header is kept), or empties it. */
  load(file: Uint8Array | undefined): void;
  /** Applies one batch, with the rules of `applyKnownMetOps`. `TypeError` for a malformed op. */
  apply(ops: readonly KnownMetOp[]): void;
  /** Streams the state as a known.met file (`encodeKnownMet`). */
  encode(): Iterable<Uint8Array>;
  /** Records held. */
  readonly size: number;
}

function checkHash(hash: unknown, index: number, what: string): Uint8Array {
  if (hash instanceof Uint8Array && hash.byteLength === 16) return hash;
  throw new TypeError(`ops[${index}].${what} must be a 16-byte MD4 hash`);
}

/**
 * Creates an empty {@link KnownMetStoreState}. A file loaded with duplicate hashes keeps them, as
 * the owner's decoded list does, until an op touches their hash (then only the first slot stays).
 */
export function createKnownMetStoreState(
  options: KnownMetStoreStateOptions = {},
): KnownMetStoreState {
  const emptyHeader = options.header ?? "auto";
  if (emptyHeader !== "auto" && emptyHeader !== 0x0e && emptyHeader !== 0x0f) {
    throw new TypeError(`header must be 0x0E, 0x0F or "auto", got ${String(emptyHeader)}`);
  }
  const encodeOptions = { chunkSize: options.chunkSize };
  let header: KnownMetHeader | "auto" = emptyHeader;
  let slots: (KnownFileRecord | undefined)[] = [];
  let first = new Map<string, number>();
  // Later slots of a hash that the loaded file held more than once.
  let duplicates = new Map<string, number[]>();
  let holes = 0;

  function dropDuplicates(key: string): void {
    const later = duplicates.get(key);
    if (later === undefined) return;
    for (const at of later) slots[at] = undefined;
    holes += later.length;
    duplicates.delete(key);
  }

  function compact(): void {
    if (holes === 0) return;
    const dense: KnownFileRecord[] = [];
    const index = new Map<string, number>();
    const later = new Map<string, number[]>();
    for (const record of slots) {
      if (record === undefined) continue;
      const key = hashKey(record.hash);
      if (index.has(key)) later.set(key, [...(later.get(key) ?? []), dense.length]);
      else index.set(key, dense.length);
      dense.push(record);
    }
    slots = dense;
    first = index;
    duplicates = later;
    holes = 0;
  }

  const target = arraySlots(
    {
      get slots() {
        return slots;
      },
      get first() {
        return first;
      },
    },
    () => {
      holes++;
    },
  );

  return {
    load(file: Uint8Array | undefined): void {
      const loaded = file === undefined ? undefined : decodeKnownMet(file);
      header = loaded === undefined ? emptyHeader : loaded.header;
      slots = [];
      first = new Map();
      duplicates = new Map();
      holes = 0;
      for (const record of loaded?.records ?? []) {
        const key = hashKey(record.hash);
        const at = first.get(key);
        if (at === undefined) first.set(key, slots.length);
        else duplicates.set(key, [...(duplicates.get(key) ?? []), slots.length]);
        slots.push(record);
      }
    },
    apply(ops: readonly KnownMetOp[]): void {
      if (!Array.isArray(ops)) throw new TypeError("ops must be an array");
      ops.forEach((op, index) => {
        if (op?.op === "upsert") checkHash(op.record?.hash, index, "record.hash");
        else if (op?.op === "remove") checkHash(op.hash, index, "hash");
        else throw new TypeError(`ops[${index}].op must be "upsert" or "remove"`);
      });
      for (const op of ops) {
        const key = opKey(op);
        dropDuplicates(key);
        applyKnownMetOp(target, op, key);
      }
      if (holes > 1024 && holes * 2 > slots.length) compact();
    },
    encode(): Iterable<Uint8Array> {
      compact();
      return encodeKnownMet({ header, records: slots as KnownFileRecord[] }, encodeOptions);
    },
    get size(): number {
      let size = first.size;
      for (const later of duplicates.values()) size += later.length;
      return size;
    },
  };
}
