import { decodeMetString } from "../tags/decode-met-string.js";
import type { MetTag } from "../tags/met-tag.js";
import {
  FT_AICH_HASH,
  FT_ATACCEPTED,
  FT_ATREQUESTED,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_FILENAME,
  FT_FILESIZE,
  FT_KADLASTPUBLISHNOTES,
  FT_KADLASTPUBLISHSRC,
  FT_ULPRIORITY,
} from "../tags/tag-ids.js";
import { decodeAmuleAichString, quoteAichString } from "./amule-aich-string.js";
import { AMULE_HANDLED_TAG_IDS } from "./amule-handled-tag-ids.js";
import { AMULE_INTEGER_FIELD_IDS } from "./amule-integer-field-ids.js";
import { crashesAmuleOnLoad } from "./amule-uncopyable-tag.js";
import { createKnownFileRecord } from "./create-known-file-record.js";
import { describeTag } from "./describe-tag.js";
import type { KnownFileRecord } from "./known-file-record.js";

const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextEncoder();

/**
 * Predicts the record aMule 2.3.3 writes back after loading `record` (docs/met-format.md#how-clients-read-tags, #what-we-keep-byte-exact): the display
 * name from the first FT_FILENAME (BOM dropped) and the file-system name from a later "universal"
 * one, FT_FILESIZE (the last), all-time statistics (FT_ATTRANSFERRED/HI summed like aMule does),
 * upload priority (5 = auto and 0–4, 6 kept; other values become 1 = normal; 5 when absent), Kad
 * publish times, FT_AICH_HASH (as aMule decodes it: either case, 31 or 32 characters, written back
 * as 32 upper-case ones), then every other integer or string tag in order in canonical
 * form (UINT8/16 → UINT32, STRn/compact → old-style STRING, no BOM). FLOAT32, HASH16 and BLOB
 * tags, FT_PERMISSIONS, FT_KADLASTPUBLISHKEY and FT_PARTFILENAME are dropped, as aMule drops
 * them. A record already in aMule's canonical form comes back byte for byte.
 *
 * A BOOL or BOOLARRAY tag is not dropped: aMule 2.3.3 cannot copy it into its extra tags and the
 * daemon aborts while loading, so there is no record to predict and this function throws (a
 * BOOL tag with FT_PERMISSIONS, FT_KADLASTPUBLISHKEY or FT_PARTFILENAME is dropped like the others
 * with those ids). `validateKnownMet` reports such tags as `tag-type-crashes-amule`. The same holds
 * for an FT_AICH_HASH string (STRING or STR1–STR16) that does not decode to 20 bytes: aMule asserts
 * on the decoded length and aborts (`aich-hash-invalid`).
 *
 * Not modelled: aMule resets a Kad source publish time that lies in the future, and writes
 * FT_AICH_HASH only when known2_64.met holds the hashset (a 31-character hash, which leaves the
 * last bits zero, does not match it, and aMule writes the root it hashes again instead).
 *
 * @throws TypeError when aMule would not load the record at all (no string FT_FILENAME, no
 *   integer FT_FILESIZE), would stop loading the file at it (a tag it reads as a string or an
 *   integer holding another type: FT_FILENAME, FT_AICH_HASH, FT_FILESIZE, the statistics, the
 *   priority, the Kad publish times) or would abort on it (a BOOL or BOOLARRAY tag it keeps, an
 *   FT_AICH_HASH string it cannot decode); RangeError when aMule would drop the record (a
 *   part-hash count that does not follow the size, a file hash that is not the MD4 of more than
 *   one part hash, size 0); check with `validateKnownMet` first.
 */
export function toAmuleCanonicalRecord(record: KnownFileRecord): KnownFileRecord {
  let name: string | undefined;
  let fsBytes: Uint8Array | undefined;
  let size: bigint | undefined;
  let transferred = 0n;
  let requests = 0;
  let accepted = 0;
  let priority: number | undefined;
  let kadLastPublishSrc = 0;
  let kadLastPublishNotes = 0;
  let aichHash: Uint8Array | undefined;
  const extraTags: MetTag[] = [];
  for (const tag of record.tags) {
    if (crashesAmuleOnLoad(tag)) {
      throw new TypeError(
        `toAmuleCanonicalRecord: ${describeTag(tag)} is ${tag.typeName.toUpperCase()}, which aMule 2.3.3 cannot copy: the daemon aborts while loading and writes nothing back`,
      );
    }
    const id = tag.name === undefined ? tag.id : -1;
    const expected = expectedType(id);
    if (expected !== undefined && !(expected === "string" ? tag.isString : tag.isInteger)) {
      throw new TypeError(
        `toAmuleCanonicalRecord: ${describeTag(tag)} is ${tag.typeName.toUpperCase()}, where aMule 2.3.3 reads ${expected === "string" ? "a string" : "an integer"}: it stops loading known.met at this record and writes nothing back for it`,
      );
    }
    if (!AMULE_HANDLED_TAG_IDS.has(id)) {
      if (tag.isInteger || tag.isString) extraTags.push(tag);
      continue;
    }
    if (id === FT_FILENAME && tag.isString) {
      const text = decodeMetString(tag.textBytes as Uint8Array);
      if (name === undefined) {
        name = text;
        fsBytes = utf8.encode(text);
      } else {
        const bytes = fromUniv(text);
        if (bytes !== undefined) {
          fsBytes = bytes;
          name = utf8Strict.decode(bytes);
        }
      }
    } else if (id === FT_AICH_HASH && tag.isString) {
      const text = decodeMetString(tag.textBytes as Uint8Array);
      aichHash = decodeAmuleAichString(text);
      if (aichHash === undefined) {
        throw new TypeError(
          `toAmuleCanonicalRecord: FT_AICH_HASH ${quoteAichString(text)} is not a 20-byte base32 hash: aMule 2.3.3 aborts while loading (failed assertion) and writes nothing back`,
        );
      }
    } else if (tag.isInteger) {
      const value = tag.bigintValue as bigint;
      const low = Number(value & 0xffffffffn);
      if (id === FT_FILESIZE) size = value;
      else if (id === FT_ATTRANSFERRED) transferred += value;
      else if (id === FT_ATTRANSFERREDHI) transferred += value << 32n;
      else if (id === FT_ATREQUESTED) requests = low;
      else if (id === FT_ATACCEPTED) accepted = low;
      else if (id === FT_ULPRIORITY) priority = low;
      else if (id === FT_KADLASTPUBLISHSRC) kadLastPublishSrc = low;
      else if (id === FT_KADLASTPUBLISHNOTES) kadLastPublishNotes = low;
    }
  }
  if (name === undefined) throw new TypeError("toAmuleCanonicalRecord: no string FT_FILENAME");
  if (size === undefined) throw new TypeError("toAmuleCanonicalRecord: no integer FT_FILESIZE");
  if (priority === undefined) priority = 5;
  else if (!(priority <= 6)) priority = 1;
  return createKnownFileRecord(
    {
      name,
      fileNameBytes: fsBytes,
      size,
      mtime: record.date,
      hash: record.hash,
      partHashes: record.partHashes,
      aichHash,
      requests,
      accepted,
      transferred: transferred & 0xffffffffffffffffn,
      priority,
      kadLastPublishSrc,
      kadLastPublishNotes,
      extraTags,
    },
    { flavor: "amule" },
  );
}

/**
 * The type aMule 2.3.3 reads tag `id` as, when a tag of another type stops its load
 * (`validateKnownMet`'s `tag-type-mismatch` and `aich-tag-type`, effect `load-aborted`).
 */
function expectedType(id: number): "string" | "integer" | undefined {
  if (id === FT_FILENAME || id === FT_AICH_HASH) return "string";
  return AMULE_INTEGER_FIELD_IDS.has(id) ? "integer" : undefined;
}

/** CPath::FromUniv: the string's chars as Latin-1 bytes, when those bytes are valid UTF-8. */
function fromUniv(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined;
    bytes[i] = c;
  }
  try {
    utf8Strict.decode(bytes);
    return bytes;
  } catch {
    return undefined;
  }
}
