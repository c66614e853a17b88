import { decodeMetString } from "./decode-met-string.js";
import { latin1Decode } from "./latin1-decode.js";
import { scanMetTag } from "./scan-met-tag.js";
import type { MetTagTypeName } from "./tag-types.js";

/** A BOOLARRAY value: the bit count and its `floor(bits / 8) + 1` bytes. */
export interface MetBoolArray {
  /** Number of bits. */
  readonly bits: number;
  /** The bytes as stored (a view). */
  readonly bytes: Uint8Array;
}

/**
 * Decoded value of a tag, by type: HASH16 and BLOB → `Uint8Array` (a view); STRING and STRn →
 * `string` (BOM → UTF-8; else UTF-8 when valid, else Latin-1, as aMule reads known.met); UINT8,
 * UINT16, UINT32, FLOAT32 → `number`; UINT64 → `bigint`; BOOL → `boolean`; BOOLARRAY →
 * {@link MetBoolArray}.
 */
export type MetTagValue = number | bigint | string | boolean | Uint8Array | MetBoolArray;

/**
 * One tag in its exact wire form (docs/met-format.md#tags). The tag *is* its bytes: {@link MetTag.raw} is
 * written back verbatim, so a decoded tag re-encodes byte for byte (header style, numeric id or
 * string name, exact type including UINT8/UINT16/STRn, BOM presence). Everything else is read from
 * `raw` on access. Decoded tags reference the decoder's input (never copied, never mutated).
 */
export interface MetTag {
  /** The exact wire bytes: header, name and value. */
  readonly raw: Uint8Array;
  /** The first byte as stored (with the compact flag 0x80 when set). */
  readonly wireType: number;
  /** The real type (`wireType & 0x7f`), one of the `TAG_TYPE_*` constants. */
  readonly type: number;
  /** Friendly type name. */
  readonly typeName: MetTagTypeName;
  /** True for a compact ("new ed2k") header: type | 0x80, then a 1-byte id. */
  readonly compact: boolean;
  /** Numeric id (an `FT_*` constant), or 0 when the tag has a string name. */
  readonly id: number;
  /**
   * String name as stored (old header with a name length other than 1), bytes read as Latin-1 so
   * the conversion is lossless; `undefined` for numeric ids.
   */
  readonly name: string | undefined;
  /** The value payload: after any length prefix; for strings including a BOM. */
  readonly valueBytes: Uint8Array;
  /** STRING/STRn only: true when the value starts with the UTF-8 BOM `EF BB BF`. */
  readonly hasBom: boolean;
  /** STRING/STRn only: the string bytes without a BOM; `undefined` for other types. */
  readonly textBytes: Uint8Array | undefined;
  /** The decoded value (see {@link MetTagValue}). */
  readonly value: MetTagValue;
  /** Any integer type (UINT8/16/32/64) as a bigint; `undefined` for other types. */
  readonly bigintValue: bigint | undefined;
  /** True for UINT8, UINT16, UINT32 and UINT64. */
  readonly isInteger: boolean;
  /** True for STRING and STR1..STR16. */
  readonly isString: boolean;
}

const TYPE_NAMES: readonly (MetTagTypeName | undefined)[] = [
  undefined,
  "hash16",
  "string",
  "uint32",
  "float32",
  "bool",
  "boolarray",
  "blob",
  "uint16",
  "uint8",
  undefined,
  "uint64",
];

class MetTagImpl implements MetTag {
  readonly raw: Uint8Array;
  readonly wireType: number;
  readonly type: number;
  readonly compact: boolean;
  readonly id: number;
  private readonly nameStart: number;
  private readonly nameEnd: number;
  private readonly valueStart: number;

  constructor(raw: Uint8Array) {
    this.raw = raw;
    const wireType = raw[0] as number;
    this.wireType = wireType;
    this.type = wireType & 0x7f;
    this.compact = (wireType & 0x80) !== 0;
    if (this.compact) {
      this.id = raw[1] as number;
      this.nameStart = 1;
      this.nameEnd = 2;
      this.valueStart = 2;
    } else {
      const nameLength = (raw[1] as number) | ((raw[2] as number) << 8);
      this.nameStart = 3;
      this.nameEnd = 3 + nameLength;
      this.id = nameLength === 1 ? (raw[3] as number) : 0;
      this.valueStart = 3 + nameLength;
    }
  }

  get typeName(): MetTagTypeName {
    return TYPE_NAMES[this.type] ?? "str";
  }

  get name(): string | undefined {
    if (this.compact || this.nameEnd - this.nameStart === 1) return undefined;
    return latin1Decode(this.raw.subarray(this.nameStart, this.nameEnd));
  }

  get isInteger(): boolean {
    const t = this.type;
    return t === 0x03 || t === 0x08 || t === 0x09 || t === 0x0b;
  }

  get isString(): boolean {
    return this.type === 0x02 || (this.type >= 0x11 && this.type <= 0x20);
  }

  get valueBytes(): Uint8Array {
    const p = this.valueStart;
    switch (this.type) {
      case 0x02:
      case 0x06:
        return this.raw.subarray(p + 2);
      case 0x07:
        return this.raw.subarray(p + 4);
      default:
        return this.raw.subarray(p);
    }
  }

  get hasBom(): boolean {
    if (!this.isString) return false;
    const v = this.valueBytes;
    return v.length >= 3 && v[0] === 0xef && v[1] === 0xbb && v[2] === 0xbf;
  }

  get textBytes(): Uint8Array | undefined {
    if (!this.isString) return undefined;
    const v = this.valueBytes;
    return this.hasBom ? v.subarray(3) : v;
  }

  get bigintValue(): bigint | undefined {
    const v = this.valueBytes;
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    switch (this.type) {
      case 0x03:
        return BigInt(dv.getUint32(0, true));
      case 0x08:
        return BigInt(dv.getUint16(0, true));
      case 0x09:
        return BigInt(dv.getUint8(0));
      case 0x0b:
        return dv.getBigUint64(0, true);
      default:
        return undefined;
    }
  }

  get value(): MetTagValue {
    const v = this.valueBytes;
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    switch (this.type) {
      case 0x01:
      case 0x07:
        return v;
      case 0x03:
        return dv.getUint32(0, true);
      case 0x04:
        return dv.getFloat32(0, true);
      case 0x05:
        return v[0] !== 0;
      case 0x06: {
        const p = this.valueStart;
        return { bits: (this.raw[p] as number) | ((this.raw[p + 1] as number) << 8), bytes: v };
      }
      case 0x08:
        return dv.getUint16(0, true);
      case 0x09:
        return v[0] as number;
      case 0x0b:
        return dv.getBigUint64(0, true);
      default:
        return decodeMetString(v);
    }
  }
}

/**
 * Reads the tag at `bytes[offset]` as a {@link MetTag} whose `raw` is a view into `bytes`
 * (`tag.raw.length` is the number of bytes consumed). Throws `ERR_CORRUPT` like
 * {@link scanMetTag}.
 *
 * @param bytes - The input (not copied, not mutated).
 * @param offset - Start of the tag (default 0).
 * @param end - End of the readable region (default `bytes.length`).
 */
export function decodeMetTag(bytes: Uint8Array, offset = 0, end: number = bytes.length): MetTag {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError("decodeMetTag: bytes must be a Uint8Array");
  if (!Number.isInteger(end) || end < 0 || end > bytes.length) {
    throw new RangeError(`decodeMetTag: end ${end} is outside the input`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > end) {
    throw new RangeError(`decodeMetTag: offset ${offset} is outside the input`);
  }
  const next = scanMetTag(bytes, offset, end);
  return new MetTagImpl(bytes.subarray(offset, next));
}

/** Wraps bytes already known to hold exactly one valid tag (no validation). */
export function metTagFromValidBytes(raw: Uint8Array): MetTag {
  return new MetTagImpl(raw);
}
