/**
 * The hash table behind a keyed state's hash index (`keyed-index.ts`): open addressing with linear
 * probing over one `Int32Array` of key hashes and one array of keys and values side by side. A
 * lookup reads the slot's hash, then the key and value that lie next to each other, then the key's
 * characters to compare them: about one cache miss fewer than a `Map`, whose chains add a miss
 * per entry they pass (see apps/bench/README.md, "Where a point read goes").
 *
 * Keys are hashed by {@link hashKey}, seeded per process. A removal shifts the entries after it
 * back (no tombstones), so churn never slows lookups. The table doubles past half full; the index
 * splits its entries over {@link TABLES} tables by hash so that one doubling copies a sixteenth.
 */

/** Number of tables an index splits its entries over (a power of two), by the hash's low bits. */
export const TABLES = 16;
/** Bits of the hash that pick the table; a slot comes from the bits above them. */
const TABLE_BITS = 4;
/** Slots of a new table (a power of two). */
const INITIAL_SLOTS = 64;

// A seed per process, so that which keys collide is not the same from one run to the next.
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/**
 * A key's 32-bit hash, never 0 (0 marks an empty slot): FNV-1a over its UTF-16 code units, then
 * murmur3's finalizer so that every bit depends on every unit. About 2 ns per code unit.
 */
export function hashKey(key: string): number {
  let h = SEED ^ key.length;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x0100_0193);
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

/** The table {@link hashKey}'s `hash` goes to among {@link TABLES}. */
export function tableOf(hash: number): number {
  return hash & (TABLES - 1);
}

/** One open-addressing table from string keys to values. */
export class KeyTable<V> {
  /** The hash of each slot's key, 0 when the slot is empty. */
  hashes = new Int32Array(INITIAL_SLOTS);
  /** Slot i's key at 2i and its value at 2i + 1. */
  entries: unknown[] = new Array(INITIAL_SLOTS * 2).fill(undefined);
  mask = INITIAL_SLOTS - 1;
  size = 0;

  /** The value under `key`, whose {@link hashKey} is `hash`, or `undefined`. */
  get(key: string, hash: number): V | undefined {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = (hash >>> TABLE_BITS) & mask;
    let h = hashes[i] as number;
    while (h !== 0) {
      if (h === hash) {
        const entries = this.entries;
        if (entries[2 * i] === key) return entries[2 * i + 1] as V;
      }
      i = (i + 1) & mask;
      h = hashes[i] as number;
    }
    return undefined;
  }

  /** True when `key` is present. */
  has(key: string, hash: number): boolean {
    return this.#find(key, hash) >= 0;
  }

  /** The slot of `key`, or -1. */
  #find(key: string, hash: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = (hash >>> TABLE_BITS) & mask; ; i = (i + 1) & mask) {
      const h = hashes[i] as number;
      if (h === 0) return -1;
      if (h === hash && this.entries[2 * i] === key) return i;
    }
  }

  /** Puts `value` under `key` (added or replaced). */
  set(key: string, hash: number, value: V): void {
    if (2 * (this.size + 1) > this.hashes.length) this.#grow();
    const hashes = this.hashes;
    const mask = this.mask;
    let i = (hash >>> TABLE_BITS) & mask;
    for (let h = hashes[i] as number; h !== 0; h = hashes[i] as number) {
      if (h === hash && this.entries[2 * i] === key) {
        this.entries[2 * i + 1] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    this.#fill(i, hash, key, value);
    this.size++;
  }

  /** Removes `key` when present: each later entry of its run moves back to the nearest free slot. */
  delete(key: string, hash: number): void {
    let free = this.#find(key, hash);
    if (free < 0) return;
    const hashes = this.hashes;
    const entries = this.entries;
    const mask = this.mask;
    for (let j = (free + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      const h = hashes[j] as number;
      const home = (h >>> TABLE_BITS) & mask;
      // The entry at j stays when its home slot lies cyclically in (free, j]: a lookup from there
      // never passes `free`.
      const stays = free <= j ? free < home && home <= j : free < home || home <= j;
      if (stays) continue;
      this.#fill(free, h, entries[2 * j], entries[2 * j + 1]);
      free = j;
    }
    this.#fill(free, 0, undefined, undefined);
    this.size--;
  }

  #fill(slot: number, hash: number, key: unknown, value: unknown): void {
    this.hashes[slot] = hash;
    this.entries[2 * slot] = key;
    this.entries[2 * slot + 1] = value;
  }

  /** Doubles the slots and moves every entry by its stored hash (no key is hashed again). */
  #grow(): void {
    const hashes = this.hashes;
    const entries = this.entries;
    const slots = hashes.length * 2;
    this.hashes = new Int32Array(slots);
    this.entries = new Array(slots * 2).fill(undefined);
    this.mask = slots - 1;
    const mask = this.mask;
    for (let s = 0; s < hashes.length; s++) {
      const h = hashes[s] as number;
      if (h === 0) continue;
      let i = (h >>> TABLE_BITS) & mask;
      while (this.hashes[i] !== 0) i = (i + 1) & mask;
      this.#fill(i, h, entries[2 * s], entries[2 * s + 1]);
    }
  }
}
