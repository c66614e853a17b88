import { tagFields } from "./tag-fields.js";

/** Offset of the last FT_FILESIZE tag of the valid record at `off`, or -1. */
export function findSizeTag(b: Uint8Array, off: number): number {
  const parts = (b[off + 20] as number) | ((b[off + 21] as number) << 8);
  let o = off + 26 + 16 * parts;
  const count = new DataView(b.buffer, b.byteOffset).getUint32(o - 4, true);
  let found = -1;
  for (let i = 0; i < count; i++) {
    if (tagFields.id(b, o) === 2) found = o;
    o = tagFields.next(b, o);
  }
  return found;
}
