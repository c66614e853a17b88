import { type MetTag, metTagFromValidBytes } from "./met-tag.js";

/** How a created tag is named: exactly one of `id` and `name`. */
export interface MetTagNaming {
  /** Numeric id 0..255 (an `FT_*` constant). */
  readonly id?: number | undefined;
  /**
   * String name (old header only; every char ≤ U+00FF, written as Latin-1; length other than 1,
   * since a 1-byte name reads back as a numeric id).
   */
  readonly name?: string | undefined;
  /** Compact ("new ed2k") header: `type | 0x80` + 1-byte id. Needs `id`. Default false. */
  readonly compact?: boolean | undefined;
}

/** The value part of a {@link MetTagSpec}, by type. */
export type MetTagValueSpec =
  | { readonly type: "hash16"; readonly value: Uint8Array }
  | {
      readonly type: "string";
      /** Text (written as UTF-8) or the exact bytes. */
      readonly value: string | Uint8Array;
      /** Prefix the UTF-8 BOM `EF BB BF` (counted in the length, as eMule does). Default false. */
      readonly bom?: boolean | undefined;
    }
  | {
      /** STR1..STR16: the type is chosen by the byte length (1..16) of the UTF-8 value. */
      readonly type: "str";
      readonly value: string | Uint8Array;
    }
  | { readonly type: "uint8" | "uint16" | "uint32"; readonly value: number }
  | { readonly type: "uint64"; readonly value: bigint | number }
  | { readonly type: "float32"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | {
      readonly type: "boolarray";
      /** `bytes.length` must be `floor(bits / 8) + 1`. */
      readonly value: { readonly bits: number; readonly bytes: Uint8Array };
    }
  | { readonly type: "blob"; readonly value: Uint8Array };

/** Everything {@link createMetTag} needs. */
export type MetTagSpec = MetTagNaming & MetTagValueSpec;

const utf8 = new TextEncoder();

/**
 * Encodes a tag from a spec into its wire bytes and returns it as a {@link MetTag}. Throws
 * `TypeError`/`RangeError` for specs no reader could parse back the same way (values out of range,
 * strings over 65,535 bytes, a 1-byte string name, a compact header without an id, …).
 */
export function createMetTag(spec: MetTagSpec): MetTag {
  const header = encodeHeader(spec);
  const value = encodeValue(spec);
  const raw = new Uint8Array(header.length + value.length);
  raw.set(header, 0);
  raw.set(value, header.length);
  if (spec.type === "str") raw[0] = ((raw[0] as number) & 0x80) | (0x10 + value.length);
  return metTagFromValidBytes(raw);
}

const TYPE_CODES: Record<MetTagValueSpec["type"], number> = {
  hash16: 0x01,
  string: 0x02,
  uint32: 0x03,
  float32: 0x04,
  bool: 0x05,
  boolarray: 0x06,
  blob: 0x07,
  uint16: 0x08,
  uint8: 0x09,
  uint64: 0x0b,
  str: 0x11,
};

function encodeHeader(spec: MetTagSpec): Uint8Array {
  if (!Object.hasOwn(TYPE_CODES, spec.type)) {
    throw new TypeError(`createMetTag: unknown type ${String(spec.type)}`);
  }
  const code = TYPE_CODES[spec.type];
  const hasId = spec.id !== undefined;
  const hasName = spec.name !== undefined;
  if (hasId === hasName) throw new TypeError("createMetTag: give exactly one of id and name");
  if (hasId) {
    const id = spec.id as number;
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new RangeError(`createMetTag: id must be an integer 0..255, got ${id}`);
    }
    return spec.compact ? Uint8Array.of(code | 0x80, id) : Uint8Array.of(code, 1, 0, id);
  }
  if (spec.compact) throw new TypeError("createMetTag: a compact header needs a numeric id");
  const name = spec.name as string;
  if (name.length === 1) {
    throw new RangeError("createMetTag: a 1-character name reads back as a numeric id; use id");
  }
  if (name.length > 0xffff) throw new RangeError("createMetTag: name longer than 65,535 bytes");
  const out = new Uint8Array(3 + name.length);
  out[0] = code;
  out[1] = name.length & 0xff;
  out[2] = name.length >>> 8;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff) throw new RangeError("createMetTag: names are Latin-1 (chars up to U+00FF)");
    out[3 + i] = c;
  }
  return out;
}

function textBytes(value: string | Uint8Array): Uint8Array {
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new TypeError("createMetTag: string value must be a string or a Uint8Array");
}

function uint(value: number, max: number, type: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`createMetTag: ${type} value must be an integer 0..${max}, got ${value}`);
  }
  return value;
}

function bytesOf(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`createMetTag: ${what} must be a Uint8Array`);
  return value;
}

function encodeValue(spec: MetTagValueSpec): Uint8Array {
  switch (spec.type) {
    case "hash16": {
      const v = bytesOf(spec.value, "hash16 value");
      if (v.length !== 16) throw new RangeError("createMetTag: hash16 value must be 16 bytes");
      return v;
    }
    case "string": {
      const text = textBytes(spec.value);
      const bom = spec.bom === true ? 3 : 0;
      const length = bom + text.length;
      if (length > 0xffff) throw new RangeError("createMetTag: string longer than 65,535 bytes");
      const out = new Uint8Array(2 + length);
      out[0] = length & 0xff;
      out[1] = length >>> 8;
      if (bom) out.set([0xef, 0xbb, 0xbf], 2);
      out.set(text, 2 + bom);
      return out;
    }
    case "str": {
      const text = textBytes(spec.value);
      if (text.length < 1 || text.length > 16) {
        throw new RangeError("createMetTag: str value must be 1..16 bytes");
      }
      return text;
    }
    case "uint8":
      return Uint8Array.of(uint(spec.value, 0xff, "uint8"));
    case "uint16": {
      const v = uint(spec.value, 0xffff, "uint16");
      return Uint8Array.of(v & 0xff, v >>> 8);
    }
    case "uint32": {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, uint(spec.value, 0xffffffff, "uint32"), true);
      return out;
    }
    case "uint64": {
      const v =
        typeof spec.value === "bigint"
          ? spec.value
          : BigInt(uint(spec.value, Number.MAX_SAFE_INTEGER, "uint64"));
      if (v < 0n || v > 0xffffffffffffffffn)
        throw new RangeError("createMetTag: uint64 out of range");
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, v, true);
      return out;
    }
    case "float32": {
      if (typeof spec.value !== "number")
        throw new TypeError("createMetTag: float32 value must be a number");
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, spec.value, true);
      return out;
    }
    case "bool":
      return Uint8Array.of(spec.value ? 1 : 0);
    case "boolarray": {
      const { bits, bytes } = spec.value;
      uint(bits, 0xffff, "boolarray bits");
      const b = bytesOf(bytes, "boolarray bytes");
      if (b.length !== (bits >>> 3) + 1) {
        throw new RangeError("createMetTag: boolarray needs floor(bits / 8) + 1 bytes");
      }
      const out = new Uint8Array(2 + b.length);
      out[0] = bits & 0xff;
      out[1] = bits >>> 8;
      out.set(b, 2);
      return out;
    }
    case "blob": {
      const v = bytesOf(spec.value, "blob value");
      const out = new Uint8Array(4 + v.length);
      new DataView(out.buffer).setUint32(0, v.length, true);
      out.set(v, 4);
      return out;
    }
    default:
      throw new TypeError(`createMetTag: unknown type ${String((spec as { type: unknown }).type)}`);
  }
}
