import { corruptError } from "@snapwrite/core/codec-kit";

/**
 * Validates the tag starting at `bytes[offset]` (docs/met-format.md#tags) and returns the offset just after it,
 * without allocating. Throws `ERR_CORRUPT` with `reason` `truncated` (input ends inside a
 * fixed-size field), `bad-length` (a length prefix exceeds the input, at the prefix's offset) or
 * `unknown-tag-type` (BSOB 0x0A, STR17+ and every undefined type, at the tag's offset).
 *
 * @param bytes - The input.
 * @param offset - Start of the tag: an integer in `[0, end]` (not checked: this is the hot path).
 * @param end - End of the readable region, at most `bytes.length` (default `bytes.length`).
 */
export function scanMetTag(bytes: Uint8Array, offset: number, end: number = bytes.length): number {
  let p = offset;
  if (p >= end) throw truncatedAt(p, end, 1);
  let type = bytes[p] as number;
  if (type & 0x80) {
    if (end - p < 2) throw truncatedAt(p, end, 2);
    type &= 0x7f;
    p += 2;
  } else {
    if (end - p < 3) throw truncatedAt(p, end, 3);
    const nameLength = (bytes[p + 1] as number) | ((bytes[p + 2] as number) << 8);
    if (end - p - 3 < nameLength) throw badLength(p + 1, nameLength, end - p - 3);
    p += 3 + nameLength;
  }
  let need: number;
  switch (type) {
    case 0x03:
    case 0x04:
      need = 4;
      break;
    case 0x02: {
      if (end - p < 2) throw truncatedAt(p, end, 2);
      const length = (bytes[p] as number) | ((bytes[p + 1] as number) << 8);
      if (end - p - 2 < length) throw badLength(p, length, end - p - 2);
      return p + 2 + length;
    }
    case 0x09:
    case 0x05:
      need = 1;
      break;
    case 0x08:
      need = 2;
      break;
    case 0x0b:
      need = 8;
      break;
    case 0x01:
      need = 16;
      break;
    case 0x07: {
      if (end - p < 4) throw truncatedAt(p, end, 4);
      const length =
        ((bytes[p] as number) |
          ((bytes[p + 1] as number) << 8) |
          ((bytes[p + 2] as number) << 16) |
          ((bytes[p + 3] as number) << 24)) >>>
        0;
      if (end - p - 4 < length) throw badLength(p, length, end - p - 4);
      return p + 4 + length;
    }
    case 0x06: {
      if (end - p < 2) throw truncatedAt(p, end, 2);
      const bits = (bytes[p] as number) | ((bytes[p + 1] as number) << 8);
      const length = (bits >>> 3) + 1;
      if (end - p - 2 < length) throw badLength(p, length, end - p - 2);
      return p + 2 + length;
    }
    default:
      if (type >= 0x11 && type <= 0x20) {
        need = type - 0x10;
        break;
      }
      throw corruptError(
        `Unknown tag type 0x${type.toString(16).padStart(2, "0")}`,
        offset,
        "unknown-tag-type",
        { type },
      );
  }
  if (end - p < need) throw truncatedAt(p, end, need);
  return p + need;
}

function truncatedAt(at: number, end: number, length: number) {
  return corruptError(`Input ends inside a tag (${length}-byte field)`, at, "truncated", {
    length,
    available: Math.max(0, end - at),
  });
}

function badLength(at: number, length: number, available: number) {
  return corruptError(
    `Tag length ${length} exceeds the ${available} bytes left`,
    at,
    "bad-length",
    {
      length,
      available,
    },
  );
}
