import { corruptError } from "./corrupt-error.js";

/** The `details.reason` values a {@link ByteReader} throws with. */
export type ByteReaderCorruptReason = "truncated" | "bad-length";

/**
 * A bounds-checked little-endian cursor over a `Uint8Array`. Every read checks the remaining
 * bytes first and throws `ERR_CORRUPT` (`truncated` for fixed-size fields, `bad-length` for
 * announced lengths) before anything is allocated. Never mutates its input; `bytes()` returns
 * views into it.
 */
export interface ByteReader {
  /** The whole input. */
  readonly bytes: Uint8Array;
  /** Current position (absolute offset into {@link ByteReader.bytes}); may be set to seek. */
  offset: number;
  /** Bytes left after {@link ByteReader.offset}. */
  readonly remaining: number;
  /** Reads an unsigned byte. */
  u8(): number;
  /** Reads an unsigned 16-bit integer. */
  u16(): number;
  /** Reads an unsigned 32-bit integer. */
  u32(): number;
  /** Reads an unsigned 64-bit integer. */
  u64(): bigint;
  /** Reads an IEEE-754 single. */
  f32(): number;
  /** Returns a view of the next `length` bytes (fixed-size field: `truncated` when short). */
  view(length: number): Uint8Array;
  /**
   * Returns a view of the next `length` bytes whose length was read from the input at
   * `lengthOffset` (`bad-length` at `lengthOffset` when short).
   */
  announced(length: number, lengthOffset: number): Uint8Array;
  /** Skips `length` bytes (fixed-size: `truncated` when short). */
  skip(length: number): void;
  /**
   * Throws `bad-length` at `lengthOffset` unless `count * unitSize` bytes remain. Use it before
   * allocating anything sized by `count`.
   */
  expectCount(count: number, unitSize: number, lengthOffset: number): void;
}

class ByteReaderImpl implements ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  private readonly end: number;
  private readonly dv: DataView;

  constructor(bytes: Uint8Array, offset: number, end: number) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** A length the decoder computed (maybe from the input) must be a byte count. */
  private checkLength(n: number, at: number): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw corruptError(`Length ${n} is not a byte count`, at, "bad-length", { length: n });
    }
  }

  private need(n: number): number {
    const at = this.offset;
    if (this.end - at < n) {
      throw corruptError(`Input ends inside a ${n}-byte field`, at, "truncated", {
        length: n,
        available: Math.max(0, this.end - at),
      });
    }
    this.offset = at + n;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)] as number;
  }

  u16(): number {
    return this.dv.getUint16(this.need(2), true);
  }

  u32(): number {
    return this.dv.getUint32(this.need(4), true);
  }

  u64(): bigint {
    return this.dv.getBigUint64(this.need(8), true);
  }

  f32(): number {
    return this.dv.getFloat32(this.need(4), true);
  }

  view(length: number): Uint8Array {
    this.checkLength(length, this.offset);
    const at = this.need(length);
    return this.bytes.subarray(at, at + length);
  }

  announced(length: number, lengthOffset: number): Uint8Array {
    this.expectCount(length, 1, lengthOffset);
    const at = this.offset;
    this.offset = at + length;
    return this.bytes.subarray(at, at + length);
  }

  skip(length: number): void {
    this.checkLength(length, this.offset);
    this.need(length);
  }

  expectCount(count: number, unitSize: number, lengthOffset: number): void {
    this.checkLength(count, lengthOffset);
    this.checkLength(unitSize, lengthOffset);
    const available = this.end - this.offset;
    if (count * unitSize > available) {
      throw corruptError(
        `Length ${count}${unitSize === 1 ? "" : ` x ${unitSize} bytes`} exceeds the ${available} bytes left`,
        lengthOffset,
        "bad-length",
        { length: count * unitSize, available },
      );
    }
  }
}

/**
 * Creates a {@link ByteReader} over `bytes`, starting at `offset` (default 0) and ending at `end`
 * (default `bytes.length`).
 */
export function createByteReader(bytes: Uint8Array, offset = 0, end?: number): ByteReader {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError("createByteReader: bytes must be a Uint8Array");
  end ??= bytes.length;
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new RangeError(`createByteReader: offset ${offset} is outside the input`);
  }
  if (!Number.isInteger(end) || end < offset || end > bytes.length) {
    throw new RangeError(`createByteReader: end ${end} is outside the input`);
  }
  return new ByteReaderImpl(bytes, offset, end);
}
