import { findSizeTag } from "./find-size-tag.js";
import { OLD_MAX_FILE_SIZE } from "./known-met.js";
import type { SlotHashSource } from "./md4-slot-index.js";
import { tagFields } from "./tag-fields.js";

/** Largest capacity of a slab that new records are appended to. */
const APPEND_SLAB = 1024 * 1024;
/**
 * Capacity of the first append slab; each next one doubles up to {@link APPEND_SLAB}, so a few
 * records replaced out of place do not cost a whole 1 MiB slab.
 */
const FIRST_APPEND_SLAB = 64 * 1024;
/** Records above this get a slab of their own, sized to fit. */
const OWN_SLAB = APPEND_SLAB / 4;
const NO_SLAB = -1;
/** Offsets fit a `Uint32Array` while no slab is longer than this. */
const MAX_NARROW_SLAB = 0xffff_ffff;

/** Slot offsets: `Uint32Array` while every slab is below 4 GiB, else `Float64Array`. */
export type SlotOffsets = Uint32Array | Float64Array;

/** True when the valid record at `bytes[start]` has an FT_FILESIZE above 4,290,048,000. */
function isLargeAt(bytes: Uint8Array, start: number): boolean {
  const sizeOff = findSizeTag(bytes, start);
  return sizeOff >= 0 && (tagFields.intNumber(bytes, sizeOff) ?? 0) > OLD_MAX_FILE_SIZE;
}

/**
 * Records' wire bytes in a few slabs plus one row of typed arrays per slot: which slab, where and
 * how long (12 bytes; whether a record needs header 0x0F is read from its bytes when it changes,
 * only the count of such records is kept). Slot order is the record order; a dead slot
 * (`slab === -1`) is a tombstone until {@link RecordArena.compact}. A slab is a loaded file taken
 * over as is, or a buffer that new records are appended to (64 KiB first, doubling up to 1 MiB); replaced or removed records
 * stay in their slab as garbage until `compact` slides the live ones down in place, which frees
 * room at each slab's end for later appends and drops slabs left empty. There is no object and
 * no string per record.
 */
export class RecordArena implements SlotHashSource {
  slabs: Uint8Array[] = [];
  /** Bytes written in each slab (live or garbage); the rest of the slab is free. */
  used: number[] = [];
  /** Slab new records go to, or -1. */
  #tail = NO_SLAB;
  slab: Int32Array;
  start: SlotOffsets;
  length: Uint32Array;
  /** Slots in use, dead ones included. */
  count = 0;
  /** Live slots. */
  live = 0;
  liveBytes = 0;
  usedBytes = 0;
  /** Live records whose FT_FILESIZE exceeds 4,290,048,000. */
  largeLive = 0;
  /** Offset of the last {@link RecordArena.append}. */
  appendedAt = 0;
  /** Capacity of the next append slab. */
  #nextAppend = FIRST_APPEND_SLAB;

  /** `start`: an array of `capacity` offsets to take over as the start row (a load's scan). */
  constructor(capacity = 0, start: SlotOffsets = new Uint32Array(capacity)) {
    if (start.length !== capacity)
      throw new RangeError("RecordArena: start row of another capacity");
    this.slab = new Int32Array(capacity);
    this.start = start;
    this.length = new Uint32Array(capacity);
  }

  hashBytes(slot: number): Uint8Array {
    return this.slabs[this.slab[slot] as number] as Uint8Array;
  }

  hashOffset(slot: number): number {
    return (this.start[slot] as number) + 4;
  }

  /** Takes `bytes` over as a slab, all of it written; returns its index. */
  adopt(bytes: Uint8Array): number {
    if (bytes.length > MAX_NARROW_SLAB && this.start instanceof Uint32Array) {
      this.start = Float64Array.from(this.start);
    }
    this.slabs.push(bytes);
    this.used.push(bytes.length);
    this.usedBytes += bytes.length;
    return this.slabs.length - 1;
  }

  /**
   * Copies `bytes` to the end of a slab with room; returns the slab, the offset is
   * {@link RecordArena.appendedAt}.
   */
  append(bytes: Uint8Array): number {
    const n = bytes.length;
    let at = this.#tail;
    while (
      at !== NO_SLAB &&
      (this.slabs[at] as Uint8Array).length - (this.used[at] as number) < n
    ) {
      at = at + 1 < this.slabs.length ? at + 1 : NO_SLAB;
    }
    if (at === NO_SLAB) {
      at = this.adopt(new Uint8Array(n > OWN_SLAB ? n : this.#appendCapacity(n)));
      this.usedBytes -= this.used[at] as number;
      this.used[at] = 0;
    }
    if (n <= OWN_SLAB) this.#tail = at;
    const offset = this.used[at] as number;
    (this.slabs[at] as Uint8Array).set(bytes, offset);
    this.used[at] = offset + n;
    this.usedBytes += n;
    this.appendedAt = offset;
    return at;
  }

  /** Capacity of a new append slab for a record of `n` bytes; doubles the next one's. */
  #appendCapacity(n: number): number {
    const capacity = Math.max(this.#nextAppend, n);
    this.#nextAppend = Math.min(APPEND_SLAB, capacity * 2);
    return capacity;
  }

  /** Adds a slot at the end; returns its number. */
  push(slab: number, start: number, length: number, large: boolean): number {
    if (this.count === this.slab.length) this.#growSlots();
    const slot = this.count++;
    this.live++;
    this.slab[slot] = slab;
    this.start[slot] = start;
    this.length[slot] = length;
    this.liveBytes += length;
    if (large) this.largeLive++;
    return slot;
  }

  /** Points live slot `slot` at other bytes; the old ones become garbage. */
  repoint(slot: number, slab: number, start: number, length: number, large: boolean): void {
    this.liveBytes += length - (this.length[slot] as number);
    this.largeLive += (large ? 1 : 0) - (this.#largeAt(slot) ? 1 : 0);
    this.slab[slot] = slab;
    this.start[slot] = start;
    this.length[slot] = length;
  }

  /**
   * Writes `bytes` over live slot `slot`'s record, which has the same length: the record keeps
   * its place in its slab, so runs of adjacent records stay whole and no garbage is left.
   */
  overwrite(slot: number, bytes: Uint8Array, large: boolean): void {
    this.largeLive += (large ? 1 : 0) - (this.#largeAt(slot) ? 1 : 0);
    (this.slabs[this.slab[slot] as number] as Uint8Array).set(bytes, this.start[slot] as number);
  }

  /** Makes live slot `slot` a tombstone; its bytes become garbage. */
  kill(slot: number): void {
    this.live--;
    this.liveBytes -= this.length[slot] as number;
    if (this.#largeAt(slot)) this.largeLive--;
    this.slab[slot] = NO_SLAB;
  }

  /** True when live slot `slot`'s record needs header 0x0F. */
  #largeAt(slot: number): boolean {
    return isLargeAt(
      this.slabs[this.slab[slot] as number] as Uint8Array,
      this.start[slot] as number,
    );
  }

  /** True while slot `slot` holds a record. */
  isLive(slot: number): boolean {
    return this.slab[slot] !== NO_SLAB;
  }

  /**
   * Drops the tombstones (live slots keep their order and are numbered from 0), slides the live
   * records of each slab down to its start (no copy to another buffer) and drops empty slabs.
   * Slot numbers change: rebuild any index over them.
   */
  compact(): void {
    const live = this.#dropTombstones();
    const slabCount = this.slabs.length;
    // Counting sort of the slots by slab, each bucket in slot order.
    const first = new Int32Array(slabCount + 1);
    for (let s = 0; s < live; s++) (first[(this.slab[s] as number) + 1] as number)++;
    for (let k = 0; k < slabCount; k++)
      first[k + 1] = (first[k + 1] as number) + (first[k] as number);
    const order = new Int32Array(live);
    const fill = first.slice(0, slabCount);
    for (let s = 0; s < live; s++) {
      const k = this.slab[s] as number;
      order[fill[k] as number] = s;
      fill[k] = (fill[k] as number) + 1;
    }
    const slabs: Uint8Array[] = [];
    const used: number[] = [];
    for (let k = 0; k < slabCount; k++) {
      const bucket = order.subarray(first[k] as number, first[k + 1] as number);
      if (bucket.length === 0) continue;
      used.push(this.#slide(this.slabs[k] as Uint8Array, bucket, slabs.length));
      slabs.push(this.slabs[k] as Uint8Array);
    }
    this.slabs = slabs;
    this.used = used;
    this.usedBytes = this.liveBytes;
    this.#tail = slabs.length > 0 ? 0 : NO_SLAB;
  }

  /** Moves the bucket's records to the start of `bytes` in address order; returns bytes used. */
  #slide(bytes: Uint8Array, bucket: Int32Array, index: number): number {
    const start = this.start;
    let sorted = true;
    for (let i = 1; i < bucket.length && sorted; i++) {
      sorted = (start[bucket[i - 1] as number] as number) < (start[bucket[i] as number] as number);
    }
    if (!sorted) bucket.sort((a, b) => (start[a] as number) - (start[b] as number));
    let w = 0;
    for (const s of bucket) {
      const from = start[s] as number;
      const n = this.length[s] as number;
      if (from !== w) bytes.copyWithin(w, from, from + n);
      start[s] = w;
      this.slab[s] = index;
      w += n;
    }
    return w;
  }

  #dropTombstones(): number {
    let n = 0;
    for (let s = 0; s < this.count; s++) {
      if (this.slab[s] === NO_SLAB) continue;
      if (n !== s) {
        this.slab[n] = this.slab[s] as number;
        this.start[n] = this.start[s] as number;
        this.length[n] = this.length[s] as number;
      }
      n++;
    }
    this.count = n;
    return n;
  }

  #growSlots(): void {
    // An eighth more: a loaded million records gains 1.5 MB of room, not 6 MB.
    const capacity = Math.max(1024, Math.ceil(this.slab.length * 1.125));
    const grow = <T extends Int32Array | Float64Array | Uint32Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.slab = grow(this.slab, new Int32Array(capacity));
    this.start = grow(
      this.start,
      this.start instanceof Uint32Array ? new Uint32Array(capacity) : new Float64Array(capacity),
    );
    this.length = grow(this.length, new Uint32Array(capacity));
  }
}
