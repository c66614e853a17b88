import { hashKey } from "./check-known-met-op.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMet, KnownMetHeader } from "./known-met.js";
import { bulkLoad, type Tree } from "./sorted-btree.js";

/**
 * An immutable known.met file — header and records in file order — for the state of a durable
 * store (`openDurableStore` of `@snapwrite/store`). It holds what `{ header, records }` holds when
 * the records go through `applyKnownMetOps`, but `applyKnownMetStateOps` returns a new state in
 * O(ops · log size), sharing every untouched node of this one, which never changes; reads by hash
 * are O(log size). `knownMetStateCodec` writes the very bytes `knownMetCodec` writes for the
 * equivalent record list.
 */
export interface KnownMetState extends Iterable<KnownFileRecord> {
  /** Header to write: 0x0E, 0x0F, or "auto" (0x0F iff a record's size exceeds 4,290,048,000). */
  readonly header: KnownMetHeader | "auto";
  /** Records held (duplicates of a loaded file included), O(1). */
  readonly size: number;
  /** The first record with `hash`, or `undefined`. O(log size). */
  get(hash: Uint8Array): KnownFileRecord | undefined;
  /** True when a record has `hash`. O(log size). */
  has(hash: Uint8Array): boolean;
  /** The records in file order. */
  records(): IterableIterator<KnownFileRecord>;
  /** Same as {@link KnownMetState.records}. */
  [Symbol.iterator](): IterableIterator<KnownFileRecord>;
  /** `{ header, records }` as a plain `KnownMet`, for the other known.met tools. O(size). */
  toKnownMet(): KnownMet;
}

/** The parts of a {@link KnownMetState}; trees and maps are shared between versions, never changed. */
export interface KnownMetStateParts {
  readonly header: KnownMetHeader | "auto";
  /** Records by order number (file order; appended records get `next`, `next + 1`, …). */
  readonly byOrder: Tree<number, KnownFileRecord>;
  /** Hash key → order number of the first record with that hash. */
  readonly firstOf: Tree<string, number>;
  /** Hash key → order numbers of the later records with that hash (a loaded file's duplicates). */
  readonly later: ReadonlyMap<string, readonly number[]>;
  /** Order number of the next appended record. */
  readonly next: number;
}

/** Entries per B+ tree node (sorted-btree's default). */
const MAX_NODE_SIZE = 32;
const compareOrders = (a: number, b: number): number => a - b;
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class PersistentKnownMetState implements KnownMetState {
  readonly #parts: KnownMetStateParts;

  constructor(parts: KnownMetStateParts) {
    this.#parts = parts;
  }

  static parts(state: KnownMetState): KnownMetStateParts | undefined {
    return state instanceof PersistentKnownMetState ? state.#parts : undefined;
  }

  get header(): KnownMetHeader | "auto" {
    return this.#parts.header;
  }

  get size(): number {
    return this.#parts.byOrder.size;
  }

  get(hash: Uint8Array): KnownFileRecord | undefined {
    const at = this.#parts.firstOf.get(hashKey(checkHash(hash)));
    return at === undefined ? undefined : this.#parts.byOrder.get(at);
  }

  has(hash: Uint8Array): boolean {
    return this.#parts.firstOf.has(hashKey(checkHash(hash)));
  }

  records(): IterableIterator<KnownFileRecord> {
    return this.#parts.byOrder.values();
  }

  [Symbol.iterator](): IterableIterator<KnownFileRecord> {
    return this.records();
  }

  toKnownMet(): KnownMet {
    return Object.freeze({ header: this.header, records: Object.freeze([...this.records()]) });
  }
}

function checkHash(hash: unknown): Uint8Array {
  if (hash instanceof Uint8Array && hash.byteLength === 16) return hash;
  throw new TypeError("hash must be a 16-byte MD4 hash");
}

function checkHeader(header: unknown): KnownMetHeader | "auto" {
  if (header === 0x0e || header === 0x0f || header === "auto") return header;
  throw new TypeError(`header must be 0x0E, 0x0F or "auto", got ${String(header)}`);
}

/** The state made of `parts` (which it takes over). */
export function knownMetStateOf(parts: KnownMetStateParts): KnownMetState {
  return new PersistentKnownMetState(parts);
}

/** The parts of a state made by this package, or `undefined` for anything else. */
export function knownMetStateParts(state: unknown): KnownMetStateParts | undefined {
  return state instanceof PersistentKnownMetState
    ? PersistentKnownMetState.parts(state)
    : undefined;
}

/** True when `value` is a {@link KnownMetState} made by this package. */
export function isKnownMetState(value: unknown): value is KnownMetState {
  return value instanceof PersistentKnownMetState;
}

/** An empty {@link KnownMetState} with `header` (default `"auto"`), as a store's `empty()`. */
export function emptyKnownMetState(header: KnownMetHeader | "auto" = "auto"): KnownMetState {
  return knownMetStateFrom({ header, records: [] });
}

/**
 * The {@link KnownMetState} of a known.met file (`decodeKnownMet`) or any `{ header, records }`:
 * same header, same records in the same order, duplicates of a hash included (they stay until an
 * op touches their hash, as with `applyKnownMetOps`). O(size · log size), once: the hashes are
 * sorted and both trees bulk-loaded. `TypeError` for a bad header or a record without a 16-byte
 * hash.
 */
export function knownMetStateFrom(value: KnownMet): KnownMetState {
  const header = checkHeader(value?.header);
  const records = value.records;
  if (!Array.isArray(records)) throw new TypeError("records must be an array");
  const n = records.length;
  const keys: string[] = new Array(n);
  const orders: number[] = new Array(n);
  for (let order = 0; order < n; order++) {
    const hash = (records[order] as KnownFileRecord | undefined)?.hash;
    if (!(hash instanceof Uint8Array && hash.byteLength === 16)) {
      throw new TypeError(`records[${order}].hash must be a 16-byte MD4 hash`);
    }
    keys[order] = hashKey(hash);
    orders[order] = order;
  }
  const byOrder = bulkLoad(orders, records.slice(), MAX_NODE_SIZE, compareOrders);
  // By hash, then by order: the first record of a hash comes first, its duplicates after it.
  orders.sort((a, b) => compareKeys(keys[a] as string, keys[b] as string) || a - b);
  const firstKeys: string[] = [];
  const firstOrders: number[] = [];
  const later = new Map<string, number[]>();
  for (const order of orders) {
    const key = keys[order] as string;
    if (firstKeys[firstKeys.length - 1] !== key) {
      firstKeys.push(key);
      firstOrders.push(order);
      continue;
    }
    const duplicates = later.get(key);
    if (duplicates === undefined) later.set(key, [order]);
    else duplicates.push(order);
  }
  const firstOf = bulkLoad(firstKeys, firstOrders, MAX_NODE_SIZE, compareKeys);
  return knownMetStateOf({ header, byOrder, firstOf, later, next: n });
}
