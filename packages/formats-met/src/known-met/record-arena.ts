import type { SlotHashSource } from "./md4-slot-index.js";

/** Capacity of a slab that new records are appended to. */
const APPEND_SLAB = 1024 * 1024;
/** Records above this get a slab of their own, sized to fit. */
const OWN_SLAB = APPEND_SLAB / 4;
const NO_SLAB = -1;

/**
 * Records' wire bytes in a few slabs plus one row of typed arrays per slot: which slab, where,
 * how long, and whether the record needs header 0x0F. Slot order is the record order; a dead slot
 * (`slab === -1`) is a tombstone until {@link RecordArena.compact}. A slab is a loaded file taken
 * over as is, or a 1 MiB buffer that new records are appended to; replaced or removed records
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
  start: Float64Array;
  length: Uint32Array;
  large: Uint8Array;
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

  constructor(capacity = 0) {
    this.slab = new Int32Array(capacity);
    this.start = new Float64Array(capacity);
    this.length = new Uint32Array(capacity);
    this.large = new Uint8Array(capacity);
  }

  hashBytes(slot: number): Uint8Array {
    return this.slabs[this.slab[slot] as number] as Uint8Array;
  }

  hashOffset(slot: number): number {
    return (this.start[slot] as number) + 4;
  }

  /** Takes `bytes` over as a slab, all of it written; returns its index. */
  adopt(bytes: Uint8Array): number {
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
      at = this.adopt(new Uint8Array(n > OWN_SLAB ? n : APPEND_SLAB));
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

  /** Adds a slot at the end; returns its number. */
  push(slab: number, start: number, length: number, large: boolean): number {
    if (this.count === this.slab.length) this.#growSlots();
    const slot = this.count++;
    this.live++;
    this.slab[slot] = slab;
    this.start[slot] = start;
    this.length[slot] = length;
    this.large[slot] = large ? 1 : 0;
    this.liveBytes += length;
    if (large) this.largeLive++;
    return slot;
  }

  /** Points live slot `slot` at other bytes; the old ones become garbage. */
  repoint(slot: number, slab: number, start: number, length: number, large: boolean): void {
    this.liveBytes += length - (this.length[slot] as number);
    this.largeLive += (large ? 1 : 0) - (this.large[slot] as number);
    this.slab[slot] = slab;
    this.start[slot] = start;
    this.length[slot] = length;
    this.large[slot] = large ? 1 : 0;
  }

  /** Makes live slot `slot` a tombstone; its bytes become garbage. */
  kill(slot: number): void {
    this.live--;
    this.liveBytes -= this.length[slot] as number;
    this.largeLive -= this.large[slot] as number;
    this.slab[slot] = NO_SLAB;
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
        this.large[n] = this.large[s] as number;
      }
      n++;
    }
    this.count = n;
    return n;
  }

  #growSlots(): void {
    const capacity = Math.max(1024, Math.ceil(this.slab.length * 1.5));
    const grow = <T extends Int32Array | Float64Array | Uint32Array | Uint8Array>(
      old: T,
      next: T,
    ): T => {
      next.set(old);
      return next;
    };
    this.slab = grow(this.slab, new Int32Array(capacity));
    this.start = grow(this.start, new Float64Array(capacity));
    this.length = grow(this.length, new Uint32Array(capacity));
    this.large = grow(this.large, new Uint8Array(capacity));
  }
}
