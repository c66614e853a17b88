import { scanMetTag } from "../../src/tags/scan-met-tag.js";

/** What the hash tests need from a known.met record: read independently of the codec under test. */
export interface LiteKnownRecord {
  readonly hash: Uint8Array;
  readonly partHashes: Uint8Array[];
  readonly name: string;
  readonly size: number;
  readonly aichBase32: string | undefined;
}

/**
 * Minimal known.met walker for old-header tags (what aMule writes): enough to pull out file
 * hashes, part hashes, the first FT_FILENAME, FT_FILESIZE (UINT32) and FT_AICH_HASH.
 */
export function readKnownMetLite(bytes: Uint8Array): LiteKnownRecord[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(1, true);
  const out: LiteKnownRecord[] = [];
  let p = 5;
  const text = new TextDecoder();
  for (let r = 0; r < count; r++) {
    p += 4;
    const hash = bytes.slice(p, p + 16);
    p += 16;
    const parts = dv.getUint16(p, true);
    p += 2;
    const partHashes: Uint8Array[] = [];
    for (let i = 0; i < parts; i++, p += 16) partHashes.push(bytes.slice(p, p + 16));
    const tags = dv.getUint32(p, true);
    p += 4;
    let name: string | undefined;
    let size = -1;
    let aich: string | undefined;
    for (let t = 0; t < tags; t++) {
      const next = scanMetTag(bytes, p);
      const type = bytes[p] as number;
      const nameLen = dv.getUint16(p + 1, true);
      const id = nameLen === 1 ? (bytes[p + 3] as number) : 0;
      const v = p + 3 + nameLen;
      if (type === 0x02 && id === 0x01 && name === undefined) {
        name = text.decode(bytes.subarray(v + 2, next));
      } else if (type === 0x03 && id === 0x02) {
        size = dv.getUint32(v, true);
      } else if (type === 0x02 && id === 0x27) {
        aich = text.decode(bytes.subarray(v + 2, next));
      }
      p = next;
    }
    out.push({ hash, partHashes, name: name ?? "", size, aichBase32: aich });
  }
  return out;
}
