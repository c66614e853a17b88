/** Where the 16-byte MD4 hash of a slot's record sits: `bytes[offset, offset + 16)`. */
export interface SlotHashSource {
  /** Bytes holding slot `slot`'s hash. */
  hashBytes(slot: number): Uint8Array;
  /** Offset of slot `slot`'s hash in {@link SlotHashSource.hashBytes}. */
  hashOffset(slot: number): number;
}

const EMPTY = -1;
const MIN_CAPACITY = 16;

/** Little-endian 32-bit word at `b[p]` (as a signed int32; only its bits matter). */
function word(b: Uint8Array, p: number): number {
  return (
    (b[p] as number) |
    ((b[p + 1] as number) << 8) |
    ((b[p + 2] as number) << 16) |
    ((b[p + 3] as number) << 24)
  );
}

/** A bijective 32-bit mixer (xorshift-multiply, "lowbias32"): every input bit moves every output bit. */
function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return h ^ (h >>> 16);
}

/**
 * The hash code of the 16-byte hash at `b[p]`: its four words folded one after the other into a
 * mixed state that starts at `seed`. Each step is a bijection of the word folded in, so hashes that
 * share any prefix (or any 12 bytes) still get distinct, spread codes; no allocation.
 */
export function md4SlotHash(b: Uint8Array, p: number, seed: number): number {
  let h = mix(seed ^ word(b, p));
  h = mix(h ^ word(b, p + 4));
  h = mix(h ^ word(b, p + 8));
  return mix(h ^ word(b, p + 12)) >>> 0;
}

/** A seed of its own for each index (not a secret; see {@link Md4SlotIndex}). */
function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}

function sameHash(a: Uint8Array, ap: number, b: Uint8Array, bp: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ap + i] !== b[bp + i]) return false;
  return true;
}

/**
 * An open-addressing hash index from MD4 hash to slot number, in one `Int32Array` (linear
 * probing, at most half full, backward-shift deletion: no tombstones). It stores slot numbers
 * only: the keys are read from the records' own bytes through a {@link SlotHashSource}. The home
 * position mixes all 16 bytes ({@link md4SlotHash}): MD4 hashes of real files are uniform, but
 * hashes that share leading bytes (sequential test data, crafted records) would otherwise all
 * start at one position and make every operation walk one long run. Each index draws its own
 * seed, so a set of hashes chosen to collide in one index does not collide in the next. A probe
 * compares all 16 bytes.
 */
export class Md4SlotIndex {
  #table: Int32Array;
  #mask: number;
  #size = 0;
  readonly #source: SlotHashSource;
  readonly #seed: number;

  /** `seed` (a uint32) is drawn at random unless given. */
  constructor(source: SlotHashSource, expected = 0, seed = randomSeed()) {
    this.#source = source;
    this.#seed = seed >>> 0;
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
    return md4SlotHash(source.hashBytes(slot), source.hashOffset(slot), this.#seed) & this.#mask;
  }

  #position(bytes: Uint8Array, offset: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const source = this.#source;
    for (let i = md4SlotHash(bytes, offset, this.#seed) & mask; ; i = (i + 1) & mask) {
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
