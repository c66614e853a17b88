import { corruptError } from "@snapwrite/core/codec-kit";
import { scanMetTag } from "../tags/scan-met-tag.js";

/**
 * Validates one known.met record starting at `bytes[offset]` and returns the offset after it
 * (throws `ERR_CORRUPT` like the decoder). Used to check records that did not come from the
 * decoder or from `createKnownFileRecord`.
 */
export function recordEnd(bytes: Uint8Array, offset: number): number {
  const end = bytes.length;
  let p = offset;
  if (end - p < 22) throw corruptError("Input ends inside a record", p, "truncated");
  const parts = (bytes[p + 20] as number) | ((bytes[p + 21] as number) << 8);
  p += 22;
  if (parts * 16 > end - p) throw corruptError("Part hashes exceed the input", p - 2, "bad-length");
  p += parts * 16;
  if (end - p < 4) throw corruptError("Input ends inside a record", p, "truncated");
  const tagCount =
    ((bytes[p] as number) |
      ((bytes[p + 1] as number) << 8) |
      ((bytes[p + 2] as number) << 16) |
      ((bytes[p + 3] as number) << 24)) >>>
    0;
  if (tagCount * 3 > end - p - 4)
    throw corruptError("Tag count exceeds the input", p, "bad-length");
  p += 4;
  for (let t = 0; t < tagCount; t++) p = scanMetTag(bytes, p, end);
  return p;
}
