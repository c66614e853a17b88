import { tagFields } from "./tag-fields.js";

/** Offset of the last FT_FILESIZE tag of the valid record at `off`, or -1. */
export function findSizeTag(b: Uint8Array, off: number): number {
  const parts = (b[off + 20] as number) | ((b[off + 21] as number) << 8);
  let o = off + 26 + 16 * parts;
  // Read by hand, not through a DataView: the replica calls this on every put.
  const count =
    ((b[o - 4] as number) | ((b[o - 3] as number) << 8) | ((b[o - 2] as number) << 16)) +
    (b[o - 1] as number) * 0x100_0000;
  let found = -1;
  for (let i = 0; i < count; i++) {
    if (tagFields.id(b, o) === 2) found = o;
    o = tagFields.next(b, o);
  }
  return found;
}
