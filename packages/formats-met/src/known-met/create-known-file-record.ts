import { writeUtf8 } from "@snapwrite/core/codec-kit";
import { base32Encode } from "../hash/base32.js";
import { ED2K_PART_SIZE } from "../hash/ed2k-constants.js";
import { decodeMetString } from "../tags/decode-met-string.js";
import type { MetTag } from "../tags/met-tag.js";
import {
  FT_AICH_HASH,
  FT_AICHHASHSET,
  FT_ATACCEPTED,
  FT_ATREQUESTED,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_FILENAME,
  FT_FILESIZE,
  FT_FLAGS,
  FT_KADLASTPUBLISHNOTES,
  FT_KADLASTPUBLISHSRC,
  FT_LASTSHARED,
  FT_ULPRIORITY,
} from "../tags/tag-ids.js";
import { checkRecordBasics } from "./check-record-basics.js";
import { checkRecordKept } from "./check-record-kept.js";
import type { KnownFileRecord } from "./known-file-record.js";
import { OLD_MAX_FILE_SIZE } from "./known-met.js";
import { RecordBuilder } from "./record-builder.js";

/** What {@link createKnownFileRecord} needs to know about a shared file. */
export interface KnownFileRecordInput {
  /** Display name of the file (written as FT_FILENAME). */
  readonly name: string;
  /** Size in bytes (aMule drops a record of size 0). */
  readonly size: number | bigint;
  /** Last-modification time of the file, uint32 Unix seconds (the record's date). */
  readonly mtime: number;
  /** 16-byte MD4 ed2k hash: the MD4 of the part hashes when there is more than one. */
  readonly hash: Uint8Array;
  /** Part hashes (16·P bytes or a list); P must follow docs/met-format.md#record-layout (`n = size / PARTSIZE; P = n ? n + 1 : 0`). */
  readonly partHashes: Uint8Array | readonly Uint8Array[];
  /** 20-byte AICH root; written base32 as FT_AICH_HASH when given. */
  readonly aichHash?: Uint8Array | undefined;
  /** All-time requests (default 0). */
  readonly requests?: number | undefined;
  /** All-time accepted uploads (default 0). */
  readonly accepted?: number | undefined;
  /** All-time uploaded bytes, up to 2^64 − 1 (default 0). */
  readonly transferred?: number | bigint | undefined;
  /** Upload priority (default 5 = auto, both clients' default for a new file). */
  readonly priority?: number | undefined;
  /** Kad source publish time (written when ≠ 0). */
  readonly kadLastPublishSrc?: number | undefined;
  /** Kad notes publish time (written when ≠ 0). */
  readonly kadLastPublishNotes?: number | undefined;
  /**
   * Further tags ("kept unknown tags"), appended in order after the client's own ones, in the
   * client's canonical form: old headers, UINT8/UINT16 widened to UINT32, STRn as STRING; aMule
   * keeps integers (incl. UINT64) and strings (UTF-8, no BOM); eMule keeps UINT32 and strings
   * (BOM + UTF-8 when non-ASCII). Other types are dropped, as the clients drop them.
   */
  readonly extraTags?: readonly MetTag[] | undefined;
  /** aMule: the on-disk file name bytes for the "universal" name (default: UTF-8 of `name`). */
  readonly fileNameBytes?: Uint8Array | undefined;
  /** eMule: FT_LASTSHARED, Unix seconds (default: the current time, as eMule does). */
  readonly lastShared?: number | undefined;
  /** eMule: FT_FLAGS value (metadata version in the low 4 bits); written when > 0. */
  readonly flags?: number | undefined;
  /**
   * eMule: the AICH part-level hashes (20 bytes each, `ceil(size / PARTSIZE)` of them) for the
   * FT_AICHHASHSET blob of files larger than one part; the blob is written when `aichHash` is given
   * and the file fits one part or these are given.
   */
  readonly aichPartHashes?: Uint8Array | undefined;
  /** eMule: the record is "partially purged" (not seen for ≥ 31 days): priority, Kad, flags, blob and extra tags omitted. */
  readonly partiallyPurged?: boolean | undefined;
}

/** Options of {@link createKnownFileRecord}. */
export interface CreateKnownFileRecordOptions {
  /** Which client's canonical record to produce (docs/met-format.md#tags-each-client-writes). */
  readonly flavor: "emule" | "amule";
  /** Clock for eMule's default FT_LASTSHARED, in ms (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

const utf8 = new TextEncoder();

/**
 * Builds exactly the record a client writes for a shared file (docs/met-format.md#tags-each-client-writes): tag order, conditions,
 * string forms (aMule: UTF-8 plus the "universal" double-encoded name; eMule: BOM + UTF-8 only for
 * non-ASCII names), FT_FILESIZE as UINT64 only above 4,290,048,000 bytes.
 *
 * @throws TypeError / RangeError for impossible input (wrong hash lengths, values out of range,
 *   strings over 65,535 bytes) and a `RangeError` for a record the client drops on load, the
 *   `record-dropped` rules of `validateKnownMet`: a part-hash count that does not match the size,
 *   a file hash that is not the MD4 of its part hashes (more than one part), size 0 for aMule.
 */
export function createKnownFileRecord(
  input: KnownFileRecordInput,
  options: CreateKnownFileRecordOptions,
): KnownFileRecord {
  const flavor = options?.flavor;
  if (flavor !== "emule" && flavor !== "amule") {
    throw new TypeError('createKnownFileRecord: options.flavor must be "emule" or "amule"');
  }
  const { name, mtime, hash, partHashes } = input;
  if (typeof name !== "string") throw new TypeError("createKnownFileRecord: name must be a string");
  checkRecordBasics(mtime, hash, partHashes);
  const sizeNumber = toSafeNumber(input.size, "size");
  checkRecordKept(sizeNumber, hash, partHashes, flavor);
  const aich = input.aichHash;
  if (aich !== undefined && (!(aich instanceof Uint8Array) || aich.length !== 20)) {
    throw new TypeError("createKnownFileRecord: aichHash must be 20 bytes");
  }
  const [transferredLow, transferredHigh] = splitUint64(input.transferred ?? 0, "transferred");
  const requests = toUint32(input.requests ?? 0, "requests");
  const accepted = toUint32(input.accepted ?? 0, "accepted");
  const priority = toUint32(input.priority ?? 5, "priority");
  const kadSrc = toUint32(input.kadLastPublishSrc ?? 0, "kadLastPublishSrc");
  const kadNotes = toUint32(input.kadLastPublishNotes ?? 0, "kadLastPublishNotes");
  const large = sizeNumber > OLD_MAX_FILE_SIZE;
  const b = new RecordBuilder(mtime, hash, partHashes);

  if (flavor === "amule") {
    const nameAt = b.at + 6;
    const nameLength = writeName(b, name, false);
    const fsName = input.fileNameBytes ?? b.target.subarray(nameAt, nameAt + nameLength);
    b.prepare(6 + 2 * fsName.length);
    const universalLength = latin1AsUtf8(fsName, b.target, b.at + 6);
    checkedLength(universalLength, "universal name");
    b.stringWritten(FT_FILENAME, universalLength);
    if (large) b.uint64(FT_FILESIZE, BigInt(sizeNumber));
    else b.uint32(FT_FILESIZE, sizeNumber);
    b.uint32(FT_ATTRANSFERRED, transferredLow);
    b.uint32(FT_ATTRANSFERREDHI, transferredHigh);
    b.uint32(FT_ATREQUESTED, requests);
    b.uint32(FT_ATACCEPTED, accepted);
    b.uint32(FT_ULPRIORITY, priority);
    if (aich !== undefined) writeAscii(b, FT_AICH_HASH, base32Encode(aich));
    if (kadSrc !== 0) b.uint32(FT_KADLASTPUBLISHSRC, kadSrc);
    if (kadNotes !== 0) b.uint32(FT_KADLASTPUBLISHNOTES, kadNotes);
    for (const tag of input.extraTags ?? []) appendCanonical(b, tag, "amule");
    return b.finish();
  }

  const purged = input.partiallyPurged === true;
  writeName(b, name, true);
  if (large) b.uint64(FT_FILESIZE, BigInt(sizeNumber));
  else b.uint32(FT_FILESIZE, sizeNumber);
  if (aich !== undefined) writeAscii(b, FT_AICH_HASH, base32Encode(aich));
  const now = options.now ?? Date.now;
  b.uint32(FT_LASTSHARED, toUint32(input.lastShared ?? Math.floor(now() / 1000), "lastShared"));
  if (!purged && aich !== undefined) {
    const k = sizeNumber <= ED2K_PART_SIZE ? 0 : Math.ceil(sizeNumber / ED2K_PART_SIZE);
    const partAich = input.aichPartHashes;
    if (
      partAich !== undefined &&
      (!(partAich instanceof Uint8Array) || partAich.length !== 20 * k)
    ) {
      throw new RangeError(
        `createKnownFileRecord: aichPartHashes must hold ${k} hashes of 20 bytes`,
      );
    }
    if (k === 0 || partAich !== undefined) {
      const blob = new Uint8Array(22 + 20 * k);
      blob.set(aich, 0);
      blob[20] = k & 0xff;
      blob[21] = k >>> 8;
      if (partAich !== undefined) blob.set(partAich, 22);
      b.blob(FT_AICHHASHSET, blob);
    }
  }
  if (transferredLow !== 0 || transferredHigh !== 0) {
    b.uint32(FT_ATTRANSFERRED, transferredLow);
    b.uint32(FT_ATTRANSFERREDHI, transferredHigh);
  }
  if (requests !== 0) b.uint32(FT_ATREQUESTED, requests);
  if (accepted !== 0) b.uint32(FT_ATACCEPTED, accepted);
  if (!purged) {
    b.uint32(FT_ULPRIORITY, priority);
    if (kadSrc !== 0) b.uint32(FT_KADLASTPUBLISHSRC, kadSrc);
    if (kadNotes !== 0) b.uint32(FT_KADLASTPUBLISHNOTES, kadNotes);
    const flags = toUint32(input.flags ?? 0, "flags");
    if (flags > 0) b.uint32(FT_FLAGS, flags);
    for (const tag of input.extraTags ?? []) appendCanonical(b, tag, "emule");
  }
  return b.finish();
}

/** Appends `tag` the way the client would write it back, or drops it like the client does. */
function appendCanonical(b: RecordBuilder, tag: MetTag, flavor: "emule" | "amule"): void {
  if (typeof tag?.type !== "number" || !(tag.raw instanceof Uint8Array)) {
    throw new TypeError("createKnownFileRecord: extraTags must be MetTag values");
  }
  const name = tag.name;
  const header = (type: number) => {
    if (name === undefined) return Uint8Array.of(type, 1, 0, tag.id);
    const out = new Uint8Array(3 + name.length);
    out[0] = type;
    out[1] = name.length & 0xff;
    out[2] = name.length >>> 8;
    for (let i = 0; i < name.length; i++) out[3 + i] = name.charCodeAt(i);
    return out;
  };
  const isSize = name === undefined && tag.id === FT_FILESIZE;
  if (tag.isString) {
    const text = checkedString(
      utf8.encode(decodeMetString(tag.textBytes as Uint8Array)),
      "tag string",
    );
    const bom = flavor === "emule" && !isAscii(text);
    const length = text.length + (bom ? 3 : 0);
    const h = header(0x02);
    const raw = new Uint8Array(h.length + 2 + length);
    raw.set(h, 0);
    raw[h.length] = length & 0xff;
    raw[h.length + 1] = length >>> 8;
    if (bom) raw.set([0xef, 0xbb, 0xbf], h.length + 2);
    raw.set(text, h.length + 2 + (bom ? 3 : 0));
    b.raw(raw, isSize);
    return;
  }
  if (tag.type === 0x0b) {
    if (flavor === "emule") return;
    const h = header(0x0b);
    const raw = new Uint8Array(h.length + 8);
    raw.set(h, 0);
    raw.set(tag.valueBytes, h.length);
    b.raw(raw, isSize);
    return;
  }
  if (tag.isInteger) {
    const h = header(0x03);
    const raw = new Uint8Array(h.length + 4);
    raw.set(h, 0);
    new DataView(raw.buffer).setUint32(h.length, Number(tag.bigintValue), true);
    b.raw(raw, isSize);
  }
}

/** Writes each byte of `bytes` as a code point in UTF-8 (CPath::ToUniv); returns the length. */
function latin1AsUtf8(bytes: Uint8Array, target: Uint8Array, offset: number): number {
  let p = offset;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c < 0x80) target[p++] = c;
    else {
      target[p++] = 0xc0 | (c >>> 6);
      target[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - offset;
}

/** FT_FILENAME: UTF-8; with `bomIfNonAscii` (eMule's UTF8strOptBOM) a counted BOM first when any char is above 0x7F. */
function writeName(b: RecordBuilder, name: string, bomIfNonAscii: boolean): number {
  let bom = 0;
  if (bomIfNonAscii) {
    for (let i = 0; i < name.length; i++) {
      if (name.charCodeAt(i) > 0x7f) {
        bom = 3;
        break;
      }
    }
  }
  b.prepare(6 + bom + 3 * name.length);
  const t = b.target;
  const at = b.at + 6;
  if (bom) {
    t[at] = 0xef;
    t[at + 1] = 0xbb;
    t[at + 2] = 0xbf;
  }
  const length = bom + writeUtf8(name, t, at + bom);
  checkedLength(length, "name");
  b.stringWritten(FT_FILENAME, length);
  return length - bom;
}

function writeAscii(b: RecordBuilder, id: number, text: string): void {
  b.prepare(6 + text.length);
  const t = b.target;
  const at = b.at + 6;
  for (let i = 0; i < text.length; i++) t[at + i] = text.charCodeAt(i);
  b.stringWritten(id, text.length);
}

function checkedLength(length: number, what: string): void {
  if (length > 0xffff) {
    throw new RangeError(`createKnownFileRecord: ${what} is longer than a .met string allows`);
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) return false;
  return true;
}

function checkedString(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length > 0xffff - 3) {
    throw new RangeError(`createKnownFileRecord: ${what} is longer than a .met string allows`);
  }
  return bytes;
}

function toUint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`createKnownFileRecord: ${what} must be a uint32, got ${value}`);
  }
  return value;
}

function toSafeNumber(value: number | bigint, what: string): number {
  if (typeof value === "bigint" && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(value);
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`createKnownFileRecord: ${what} must be a non-negative safe integer`);
  }
  return value;
}

/** A uint64 as [low 32 bits, high 32 bits]. */
function splitUint64(value: number | bigint, what: string): [number, number] {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `createKnownFileRecord: ${what} must be a non-negative integer, got ${value}`,
      );
    }
    return [value % 0x1_0000_0000, Math.floor(value / 0x1_0000_0000)];
  }
  if (typeof value !== "bigint" || value < 0n || value > 0xffffffffffffffffn) {
    throw new RangeError(`createKnownFileRecord: ${what} must be a uint64`);
  }
  return [Number(value & 0xffffffffn), Number(value >> 32n)];
}
