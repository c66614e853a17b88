import { KnownFileRecordView } from "./known-file-record-view.js";

/** Size of the shared slabs records are copied into. */
const SLAB_SIZE = 64 * 1024;
/** Records larger than this get a buffer of their own. */
const SLAB_MAX_RECORD = 8 * 1024;

let slab = new Uint8Array(SLAB_SIZE);
let slabPos = 0;
let scratch = new Uint8Array(4096);
let scratchView = new DataView(scratch.buffer);

/**
 * Builds one record's wire bytes (internal): fixed fields, then tags appended with old-style
 * headers, into a shared scratch buffer (builders are used synchronously, one at a time).
 * `finish()` copies the bytes into a shared append-only slab and returns a
 * {@link KnownFileRecordView} over them: records built one after the other are adjacent in
 * memory, so the encoder copies whole runs of them at once, and a million small records do not
 * cost a million ArrayBuffers. Slab bytes are never rewritten; a slab stays alive while any
 * record in it does.
 */
export class RecordBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private tagCount = 0;
  private tagCountAt = 0;
  private sizeOff = -1;

  constructor(date: number, hash: Uint8Array, partHashes: readonly Uint8Array[] | Uint8Array) {
    const partBytes = Array.isArray(partHashes)
      ? partHashes.length * 16
      : (partHashes as Uint8Array).length;
    if (scratch.length < 26 + partBytes + 1024) {
      scratch = new Uint8Array(2 * (26 + partBytes + 1024));
      scratchView = new DataView(scratch.buffer);
    }
    this.buf = scratch;
    this.view = scratchView;
    this.view.setUint32(0, date, true);
    for (let i = 0; i < 16; i++) scratch[4 + i] = hash[i] as number;
    this.view.setUint16(20, partBytes / 16, true);
    this.pos = 22;
    if (partHashes instanceof Uint8Array) {
      this.buf.set(partHashes, 22);
    } else {
      for (const part of partHashes as readonly Uint8Array[]) {
        this.buf.set(part, this.pos);
        this.pos += 16;
      }
    }
    this.pos = 22 + partBytes;
    this.tagCountAt = this.pos;
    this.pos += 4;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    scratch = next;
    scratchView = new DataView(next.buffer);
    this.view = scratchView;
  }

  private header(type: number, id: number): void {
    this.reserve(4);
    if (id === 2) this.sizeOff = this.pos;
    this.buf[this.pos] = type;
    this.buf[this.pos + 1] = 1;
    this.buf[this.pos + 2] = 0;
    this.buf[this.pos + 3] = id;
    this.pos += 4;
    this.tagCount++;
  }

  uint32(id: number, value: number): void {
    this.header(0x03, id);
    this.reserve(4);
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
  }

  uint64(id: number, value: bigint): void {
    this.header(0x0b, id);
    this.reserve(8);
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
  }

  blob(id: number, data: Uint8Array): void {
    this.header(0x07, id);
    this.reserve(4 + data.length);
    this.view.setUint32(this.pos, data.length, true);
    this.pos += 4;
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A tag given as exact, already validated wire bytes. */
  raw(bytes: Uint8Array, isSize: boolean): void {
    this.reserve(bytes.length);
    if (isSize) this.sizeOff = this.pos;
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    this.tagCount++;
  }

  /** Room for `n` more bytes at {@link RecordBuilder.target}[{@link RecordBuilder.at}]. */
  prepare(n: number): void {
    this.reserve(n);
  }

  /** The buffer being built (valid until the next reserve). */
  get target(): Uint8Array {
    return this.buf;
  }

  /** Current write position. */
  get at(): number {
    return this.pos;
  }

  /** Appends a STRING tag whose `length` text bytes were already written at `at + 6`. */
  stringWritten(id: number, length: number): void {
    const p = this.pos;
    this.header(0x02, id);
    this.view.setUint16(p + 4, length, true);
    this.pos = p + 6 + length;
  }

  finish(): KnownFileRecordView {
    this.view.setUint32(this.tagCountAt, this.tagCount, true);
    const length = this.pos;
    let out: Uint8Array;
    let base = 0;
    if (length > SLAB_MAX_RECORD) {
      out = this.buf.slice(0, length);
    } else {
      if (SLAB_SIZE - slabPos < length) {
        slab = new Uint8Array(SLAB_SIZE);
        slabPos = 0;
      }
      out = slab;
      base = slabPos;
      slab.set(this.buf.subarray(0, length), base);
      slabPos += length;
    }
    return new KnownFileRecordView(
      out,
      base,
      base + length,
      this.sizeOff < 0 ? -1 : base + this.sizeOff,
    );
  }
}
