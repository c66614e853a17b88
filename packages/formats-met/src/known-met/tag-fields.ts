import { scanMetTag } from "../tags/scan-met-tag.js";

/**
 * Allocation-free field access to already validated tags inside a byte array (internal helpers of
 * the record view). `o` is the offset of a tag's type byte.
 */
export const tagFields = {
  /** Real type (compact flag stripped). */
  type(b: Uint8Array, o: number): number {
    return (b[o] as number) & 0x7f;
  },
  /** Numeric id, or -1 for a string name. */
  id(b: Uint8Array, o: number): number {
    if ((b[o] as number) & 0x80) return b[o + 1] as number;
    return b[o + 1] === 1 && b[o + 2] === 0 ? (b[o + 3] as number) : -1;
  },
  /** Offset of the value (after header and name, before any length prefix). */
  valueStart(b: Uint8Array, o: number): number {
    if ((b[o] as number) & 0x80) return o + 2;
    return o + 3 + ((b[o + 1] as number) | ((b[o + 2] as number) << 8));
  },
  /** Offset after the tag. */
  next(b: Uint8Array, o: number): number {
    return scanMetTag(b, o);
  },
  /** Any integer type as a number (UINT64 above 2^53 loses precision); `undefined` for others. */
  intNumber(b: Uint8Array, o: number): number | undefined {
    const v = tagFields.valueStart(b, o);
    switch ((b[o] as number) & 0x7f) {
      case 0x03:
        return u32(b, v);
      case 0x08:
        return (b[v] as number) | ((b[v + 1] as number) << 8);
      case 0x09:
        return b[v] as number;
      case 0x0b:
        return u32(b, v) + u32(b, v + 4) * 0x1_0000_0000;
      default:
        return undefined;
    }
  },
  /** Any integer type as a bigint; `undefined` for others. */
  intBigint(b: Uint8Array, o: number): bigint | undefined {
    const v = tagFields.valueStart(b, o);
    if (((b[o] as number) & 0x7f) === 0x0b) {
      return BigInt(u32(b, v)) | (BigInt(u32(b, v + 4)) << 32n);
    }
    const n = tagFields.intNumber(b, o);
    return n === undefined ? undefined : BigInt(n);
  },
  /** String bytes (BOM stripped) of a STRING/STRn tag; `undefined` for others. */
  text(b: Uint8Array, o: number): Uint8Array | undefined {
    const t = (b[o] as number) & 0x7f;
    const v = tagFields.valueStart(b, o);
    let s: Uint8Array;
    if (t === 0x02) s = b.subarray(v + 2, v + 2 + ((b[v] as number) | ((b[v + 1] as number) << 8)));
    else if (t >= 0x11 && t <= 0x20) s = b.subarray(v, v + t - 0x10);
    else return undefined;
    return s.length >= 3 && s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf ? s.subarray(3) : s;
  },
};

function u32(b: Uint8Array, p: number): number {
  return (
    ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
    (b[p + 3] as number) * 0x100_0000
  );
}
