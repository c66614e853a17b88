import type { AmuleCanceledMet } from "../canceled/amule-canceled-met.js";
import type { EmuleCancelledMet } from "../cancelled/emule-cancelled-met.js";
import { base32Encode } from "../hash/base32.js";
import type { KnownFileRecord } from "../known-met/known-file-record.js";
import type { KnownMet } from "../known-met/known-met.js";
import type { Known2Met } from "../known2/known2-met.js";
import type { MetTag } from "../tags/met-tag.js";
import * as tagIds from "../tags/tag-ids.js";
import type { MetFormat } from "./detect-met-format.js";
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
 * The decoded value of `format` as plain JSON data (hashes as uppercase hex, 64-bit values as
 * strings, the known.met header as hex like the text dump: `"0x0e"`).
 */
export function metValueJson(format: MetFormat, value: unknown): Record<string, unknown> {
  switch (format) {
    case "known.met": {
      const v = value as KnownMet;
      return {
        format,
        header: `0x${Number(v.header).toString(16).padStart(2, "0")}`,
        count: v.records.length,
        records: v.records.map(recordJson),
      };
    }
    case "cancelled.met": {
      const v = value as EmuleCancelledMet;
      return {
        format,
        variant: v.format,
        version: v.version,
        seed: v.seed,
        count: v.entries.length,
        entries: v.entries.map((e) => ({ id: hex(e.id), tags: e.tags.map(tagJson) })),
      };
    }
    case "canceled.met": {
      const v = value as AmuleCanceledMet;
      return { format, count: v.hashes.length, hashes: v.hashes.map(hex) };
    }
    default: {
      const v = value as Known2Met;
      return {
        format,
        count: v.entries.length,
        entries: v.entries.map((e) => ({ root: hex(e.root), leafCount: e.leaves.length / 20 })),
      };
    }
  }
}
