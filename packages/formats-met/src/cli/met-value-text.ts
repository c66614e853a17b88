import type { AmuleCanceledMet } from "../canceled/amule-canceled-met.js";
import type { EmuleCancelledMet } from "../cancelled/emule-cancelled-met.js";
import { base32Encode } from "../hash/base32.js";
import type { KnownFileRecord } from "../known-met/known-file-record.js";
import type { KnownMet } from "../known-met/known-met.js";
import { peekRecord } from "../known-met/lazy-record-list.js";
import type { Known2Met } from "../known2/known2-met.js";
import type { MetTag } from "../tags/met-tag.js";
import type { MetFormat } from "./detect-met-format.js";
import { tagJson } from "./met-value-json.js";
import { upperHex as hex } from "./upper-hex.js";

function tagLine(tag: MetTag): string {
  const j = tagJson(tag);
  const label =
    tag.name !== undefined
      ? JSON.stringify(tag.name)
      : `${j.idName ?? "id"} 0x${tag.id.toString(16).padStart(2, "0")}`;
  const flags = `${tag.compact ? " compact" : ""}${tag.hasBom ? " bom" : ""}`;
  return `    ${label} ${tag.typeName}${flags} = ${JSON.stringify(j.value)}`;
}

/**
 * A human-readable description of the decoded value, one piece per line or record (each ending
 * with a newline); a decoded known.met's records are read without keeping their views.
 */
export function* metValueTextParts(format: MetFormat, value: unknown): Generator<string> {
  switch (format) {
    case "known.met": {
      const v = value as KnownMet;
      const records = v.records;
      const count = records.length;
      yield `known.met: header 0x${Number(v.header).toString(16).padStart(2, "0")}, ${count} records\n`;
      for (let i = 0; i < count; i++) yield knownRecordText(peekRecord(records, i), i);
      break;
    }
    case "cancelled.met": {
      const v = value as EmuleCancelledMet;
      yield `cancelled.met (eMule, ${v.format}): version ${v.version}, seed 0x${v.seed.toString(16)}, ${v.entries.length} entries\n`;
      for (let i = 0; i < v.entries.length; i++) {
        const e = v.entries[i] as EmuleCancelledMet["entries"][number];
        const lines = [`[${i}] ${hex(e.id)}${e.tags.length ? `, ${e.tags.length} tags` : ""}`];
        for (const tag of e.tags) lines.push(tagLine(tag));
        yield `${lines.join("\n")}\n`;
      }
      break;
    }
    case "canceled.met": {
      const v = value as AmuleCanceledMet;
      yield `canceled.met (aMule): ${v.hashes.length} hashes\n`;
      for (let i = 0; i < v.hashes.length; i++) yield `[${i}] ${hex(v.hashes[i] as Uint8Array)}\n`;
      break;
    }
    default: {
      const v = value as Known2Met;
      yield `known2_64.met: ${v.entries.length} AICH hashsets\n`;
      for (let i = 0; i < v.entries.length; i++) {
        const e = v.entries[i] as Known2Met["entries"][number];
        const leaves = e.leaves.length / 20;
        yield `[${i}] root ${hex(e.root)} (${base32Encode(e.root)}), ${leaves} leaves\n`;
      }
    }
  }
}

function knownRecordText(r: KnownFileRecord, i: number): string {
  const date = new Date(r.date * 1000).toISOString();
  const lines = [
    `[${i}] ${hex(r.hash)} ${JSON.stringify(r.name ?? null)}`,
    `    size ${r.size ?? "?"}, date ${r.date} (${date}), ${r.partHashCount} part hashes, ${r.tagCount} tags`,
  ];
  for (const tag of r.tags) lines.push(tagLine(tag));
  return `${lines.join("\n")}\n`;
}
