/** Where the 16-byte MD4 hash of a slot's record sits: `bytes[offset, offset + 16)`. */
export interface SlotHashSource {
  /** Bytes holding slot `slot`'s hash. */
  hashBytes(slot: number): Uint8Array;
  /** Offset of slot `slot`'s hash in {@link SlotHashSource.hashBytes}. */
  hashOffset(slot: number): number;
}

const EMPTY = -1;
const MIN_CAPACITY = 16;

function u32(b: Uint8Array, p: number): number {
  return (
    ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
    (b[p + 3] as number) * 0x100_0000
  );
}

function sameHash(a: Uint8Array, ap: number, b: Uint8Array, bp: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ap + i] !== b[bp + i]) return false;
  return true;
}

/**
 * An open-addressing hash index from MD4 hash to slot number, in one `Int32Array` (linear
 * probing, at most half full, backward-shift deletion: no tombstones). It stores slot numbers
 * only: the keys are read from the records' own bytes through a {@link SlotHashSource}. MD4
 * hashes are uniformly distributed, so their first 4 bytes are the hash code; a probe compares
 * all 16.
 */
export class Md4SlotIndex {
  #table: Int32Array;
  #mask: number;
  #size = 0;
  readonly #source: SlotHashSource;

  constructor(source: SlotHashSource, expected = 0) {
    this.#source = source;
    let capacity = MIN_CAPACITY;
    while (capacity < expected * 2) capacity *= 2;
    this.#table = new Int32Array(capacity).fill(EMPTY);
    this.#mask = capacity - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The slot whose hash equals `bytes[offset, offset + 16)`, or -1. */
  find(bytes: Uint8Array, offset: number): number {
    const at = this.#position(bytes, offset);
    return at < 0 ? -1 : (this.#table[at] as number);
  }

  /** Adds `slot` (its hash must not be held yet). */
  insert(slot: number): void {
    if ((this.#size + 1) * 2 > this.#table.length) this.#grow();
    this.#place(slot);
    this.#size++;
  }

  /** Removes the entry of the hash `bytes[offset, offset + 16)`; returns its slot, or -1. */
  remove(bytes: Uint8Array, offset: number): number {
    let hole = this.#position(bytes, offset);
    if (hole < 0) return -1;
    const table = this.#table;
    const mask = this.#mask;
    const slot = table[hole] as number;
    // Backward shift: move up every later entry of the run whose home is not between hole and it.
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const moved = table[j] as number;
      if (moved === EMPTY) break;
      const home = this.#home(moved);
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      table[hole] = moved;
      hole = j;
    }
    table[hole] = EMPTY;
    this.#size--;
    return slot;
  }

  /** Empties the index and adds slots `0 .. count - 1` (all with distinct hashes). */
  rebuild(count: number): void {
    let capacity = MIN_CAPACITY;
    while (capacity < count * 2) capacity *= 2;
    this.#table = new Int32Array(capacity).fill(EMPTY);
    this.#mask = capacity - 1;
    for (let slot = 0; slot < count; slot++) this.#place(slot);
    this.#size = count;
  }

  #home(slot: number): number {
    const source = this.#source;
    return u32(source.hashBytes(slot), source.hashOffset(slot)) & this.#mask;
  }

  #position(bytes: Uint8Array, offset: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const source = this.#source;
    for (let i = u32(bytes, offset) & mask; ; i = (i + 1) & mask) {
      const slot = table[i] as number;
      if (slot === EMPTY) return -1;
      if (sameHash(source.hashBytes(slot), source.hashOffset(slot), bytes, offset)) return i;
    }
  }

  #place(slot: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#home(slot);
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Int32Array(old.length * 2).fill(EMPTY);
    this.#mask = this.#table.length - 1;
    for (const slot of old) if (slot !== EMPTY) this.#place(slot);
  }
}
