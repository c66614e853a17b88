import { base32Decode } from "../hash/base32.js";
import { decodeMetString } from "../tags/decode-met-string.js";
import { type MetTag, metTagFromValidBytes } from "../tags/met-tag.js";
import { scanMetTag } from "../tags/scan-met-tag.js";
import {
  FT_AICH_HASH,
  FT_ATACCEPTED,
  FT_ATREQUESTED,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_FILENAME,
  FT_FLAGS,
  FT_KADLASTPUBLISHNOTES,
  FT_KADLASTPUBLISHSRC,
  FT_LASTSHARED,
  FT_ULPRIORITY,
} from "../tags/tag-ids.js";
import type { KnownFileMedia, KnownFileRecord } from "./known-file-record.js";
import { OLD_MAX_FILE_SIZE } from "./known-met.js";
import { tagFields } from "./tag-fields.js";

const MEDIA_IDS: Record<number, keyof KnownFileMedia> = {
  208: "artist",
  209: "album",
  210: "title",
  211: "length",
  212: "bitrate",
  213: "codec",
};
const MEDIA_NAMES = new Map<string, keyof KnownFileMedia>([
  ["Artist", "artist"],
  ["Album", "album"],
  ["Title", "title"],
  ["length", "length"],
  ["bitrate", "bitrate"],
  ["codec", "codec"],
]);

/**
 * The one implementation of {@link KnownFileRecord}: offsets into a byte array that holds the
 * record's validated wire bytes. Decoding creates exactly one of these per record (no views, no
 * strings), and the encoder copies `src[off, end)` — runs of consecutive records in one memcpy.
 */
export class KnownFileRecordView implements KnownFileRecord {
  /** Backing bytes (the decoder's input, or the record's own buffer). */
  readonly src: Uint8Array;
  /** Start of the record in {@link KnownFileRecordView.src}. */
  readonly off: number;
  /** End of the record (exclusive). */
  readonly end: number;
  /** Offset of the last FT_FILESIZE tag (the one both clients end up using), or -1. */
  readonly sizeOff: number;

  /** FT_FILESIZE exceeds 4,290,048,000 (the file needs header 0x0F); read while the bytes are hot. */
  readonly large: boolean;

  constructor(src: Uint8Array, off: number, end: number, sizeOff: number) {
    this.src = src;
    this.off = off;
    this.end = end;
    this.sizeOff = sizeOff;
    this.large = sizeOff >= 0 && (tagFields.intNumber(src, sizeOff) ?? 0) > OLD_MAX_FILE_SIZE;
  }

  /** Offset of the first tag (kept out of the object to keep a million of them small). */
  get tagsOff(): number {
    return this.off + 26 + 16 * this.partHashCount;
  }

  get tagCount(): number {
    const b = this.src;
    const p = this.tagsOff - 4;
    return (
      ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
      (b[p + 3] as number) * 0x100_0000
    );
  }

  get bytes(): Uint8Array {
    return this.src.subarray(this.off, this.end);
  }

  get date(): number {
    const b = this.src;
    const p = this.off;
    return (
      ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
      (b[p + 3] as number) * 0x100_0000
    );
  }

  get hash(): Uint8Array {
    return this.src.subarray(this.off + 4, this.off + 20);
  }

  get partHashCount(): number {
    return (this.src[this.off + 20] as number) | ((this.src[this.off + 21] as number) << 8);
  }

  get partHashes(): Uint8Array {
    return this.src.subarray(this.off + 22, this.off + 22 + 16 * this.partHashCount);
  }

  get tags(): readonly MetTag[] {
    const out: MetTag[] = [];
    let o = this.tagsOff;
    const count = this.tagCount;
    for (let i = 0; i < count; i++) {
      const next = scanMetTag(this.src, o, this.end);
      out.push(metTagFromValidBytes(this.src.subarray(o, next)));
      o = next;
    }
    return out;
  }

  /** Offset of the first (or last) tag with numeric id `id`, or -1. */
  private find(id: number, last: boolean): number {
    const b = this.src;
    let found = -1;
    let o = this.tagsOff;
    const count = this.tagCount;
    for (let i = 0; i < count; i++) {
      if (tagFields.id(b, o) === id) {
        if (!last) return o;
        found = o;
      }
      o = tagFields.next(b, o);
    }
    return found;
  }

  private lastInt(id: number): number | undefined {
    const o = this.find(id, true);
    return o < 0 ? undefined : tagFields.intNumber(this.src, o);
  }

  get name(): string | undefined {
    const o = this.find(FT_FILENAME, false);
    if (o < 0) return undefined;
    const text = tagFields.text(this.src, o);
    return text === undefined ? undefined : decodeMetString(text);
  }

  get names(): readonly string[] {
    const out: string[] = [];
    const b = this.src;
    let o = this.tagsOff;
    const count = this.tagCount;
    for (let i = 0; i < count; i++) {
      if (tagFields.id(b, o) === FT_FILENAME) {
        const text = tagFields.text(b, o);
        if (text !== undefined) out.push(decodeMetString(text));
      }
      o = tagFields.next(b, o);
    }
    return out;
  }

  get size(): bigint | undefined {
    return this.sizeOff < 0 ? undefined : tagFields.intBigint(this.src, this.sizeOff);
  }

  get sizeNumber(): number | undefined {
    const size = this.size;
    return size === undefined || size > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(size);
  }

  get aichHash(): Uint8Array | undefined {
    const o = this.find(FT_AICH_HASH, false);
    if (o < 0) return undefined;
    const text = tagFields.text(this.src, o);
    if (text === undefined || text.length !== 32) return undefined;
    try {
      return base32Decode(decodeMetString(text));
    } catch {
      return undefined;
    }
  }

  get lastShared(): number | undefined {
    return this.lastInt(FT_LASTSHARED);
  }

  get requests(): number | undefined {
    return this.lastInt(FT_ATREQUESTED);
  }

  get accepted(): number | undefined {
    return this.lastInt(FT_ATACCEPTED);
  }

  get transferred(): bigint {
    const b = this.src;
    let total = 0n;
    let o = this.tagsOff;
    const count = this.tagCount;
    for (let i = 0; i < count; i++) {
      const id = tagFields.id(b, o);
      if (id === FT_ATTRANSFERRED || id === FT_ATTRANSFERREDHI) {
        const v = tagFields.intBigint(b, o);
        if (v !== undefined) total += id === FT_ATTRANSFERRED ? v : v << 32n;
      }
      o = tagFields.next(b, o);
    }
    return total;
  }

  get priority(): number | undefined {
    return this.lastInt(FT_ULPRIORITY);
  }

  get kadLastPublishSrc(): number | undefined {
    return this.lastInt(FT_KADLASTPUBLISHSRC);
  }

  get kadLastPublishNotes(): number | undefined {
    return this.lastInt(FT_KADLASTPUBLISHNOTES);
  }

  get flags(): number | undefined {
    return this.lastInt(FT_FLAGS);
  }

  get media(): KnownFileMedia {
    const out: Record<string, string | number> = {};
    for (const tag of this.tags) {
      const key = tag.id !== 0 ? MEDIA_IDS[tag.id] : MEDIA_NAMES.get(tag.name ?? "");
      if (key === undefined) continue;
      const numeric = key === "length" || key === "bitrate";
      if (numeric && tag.isInteger) out[key] = Number(tag.bigintValue);
      else if (!numeric && tag.isString) out[key] = tag.value as string;
    }
    return out as KnownFileMedia;
  }
}
