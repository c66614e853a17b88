import type { AmuleCanceledMet } from "../canceled/amule-canceled-met.js";
import type { EmuleCancelledMet } from "../cancelled/emule-cancelled-met.js";
import { base32Encode } from "../hash/base32.js";
import type { KnownFileRecord } from "../known-met/known-file-record.js";
import type { KnownMet } from "../known-met/known-met.js";
import { peekRecord } from "../known-met/lazy-record-list.js";
import type { Known2Met } from "../known2/known2-met.js";
import type { MetTag } from "../tags/met-tag.js";
import * as tagIds from "../tags/tag-ids.js";
import type { MetFormat } from "./detect-met-format.js";
import { jsonDocumentParts } from "./json-document-parts.js";
import { upperHex as hex } from "./upper-hex.js";

/** `FT_*` name by tag id, from the constants themselves. */
const TAG_NAMES = new Map<number, string>(Object.entries(tagIds).map(([name, id]) => [id, name]));

/** A tag as plain JSON data. */
export function tagJson(tag: MetTag): Record<string, unknown> {
  const value = tag.value;
  let shown: unknown = value;
  if (value instanceof Uint8Array) shown = hex(value);
  else if (typeof value === "bigint") shown = value.toString();
  else if (typeof value === "object") shown = { bits: value.bits, bytes: hex(value.bytes) };
  return {
    ...(tag.name === undefined
      ? { id: tag.id, idName: TAG_NAMES.get(tag.id) }
      : { name: tag.name }),
    type: tag.typeName,
    ...(tag.compact ? { compact: true } : {}),
    ...(tag.hasBom ? { bom: true } : {}),
    value: shown,
  };
}

function recordJson(r: KnownFileRecord, index: number): Record<string, unknown> {
  const aich = r.aichHash;
  return {
    index,
    hash: hex(r.hash),
    date: r.date,
    name: r.name,
    size: r.size?.toString(),
    partHashes: Array.from({ length: r.partHashCount }, (_, i) =>
      hex(r.partHashes.subarray(16 * i, 16 * i + 16)),
    ),
    aichHash: aich === undefined ? undefined : base32Encode(aich),
    priority: r.priority,
    requests: r.requests,
    accepted: r.accepted,
    transferred: r.transferred.toString(),
    tags: r.tags.map(tagJson),
  };
}

/**
 * The decoded value of `format` as indented JSON text (hashes as uppercase hex, 64-bit values as
 * strings, the known.met header as hex like the text dump: `"0x0e"`), one piece per record or
 * entry: the pieces joined are `JSON.stringify(document, null, 2)` and a newline, and a decoded
 * known.met's records are read without keeping their views.
 */
export function metValueJsonParts(format: MetFormat, value: unknown): Generator<string> {
  switch (format) {
    case "known.met": {
      const v = value as KnownMet;
      const records = v.records;
      const count = records.length;
      const header = `0x${Number(v.header).toString(16).padStart(2, "0")}`;
      return jsonDocumentParts({ format, header, count }, "records", count, (i) =>
        recordJson(peekRecord(records, i), i),
      );
    }
    case "cancelled.met": {
      const v = value as EmuleCancelledMet;
      const { entries } = v;
      const head = {
        format,
        variant: v.format,
        version: v.version,
        seed: v.seed,
        count: entries.length,
      };
      return jsonDocumentParts(head, "entries", entries.length, (i) => {
        const e = entries[i] as EmuleCancelledMet["entries"][number];
        return { id: hex(e.id), tags: e.tags.map(tagJson) };
      });
    }
    case "canceled.met": {
      const { hashes } = value as AmuleCanceledMet;
      return jsonDocumentParts({ format, count: hashes.length }, "hashes", hashes.length, (i) =>
        hex(hashes[i] as Uint8Array),
      );
    }
    default: {
      const { entries } = value as Known2Met;
      return jsonDocumentParts(
        { format, count: entries.length },
        "entries",
        entries.length,
        (i) => {
          const e = entries[i] as Known2Met["entries"][number];
          return { root: hex(e.root), leafCount: e.leaves.length / 20 };
        },
      );
    }
  }
}
