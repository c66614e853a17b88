import type { AmuleCanceledMet } from "../canceled/amule-canceled-met.js";
import type { EmuleCancelledMet } from "../cancelled/emule-cancelled-met.js";
import { base32Encode } from "../hash/base32.js";
import type { KnownMet } from "../known-met/known-met.js";
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

/** A human-readable multi-line description of the decoded value. */
export function metValueText(format: MetFormat, value: unknown): string {
  const lines: string[] = [];
  switch (format) {
    case "known.met": {
      const v = value as KnownMet;
      lines.push(
        `known.met: header 0x${Number(v.header).toString(16).padStart(2, "0")}, ${v.records.length} records`,
      );
      v.records.forEach((r, i) => {
        const date = new Date(r.date * 1000).toISOString();
        lines.push(`[${i}] ${hex(r.hash)} ${JSON.stringify(r.name ?? null)}`);
        lines.push(
          `    size ${r.size ?? "?"}, date ${r.date} (${date}), ${r.partHashCount} part hashes, ${r.tagCount} tags`,
        );
        for (const tag of r.tags) lines.push(tagLine(tag));
      });
      break;
    }
    case "cancelled.met": {
      const v = value as EmuleCancelledMet;
      lines.push(
        `cancelled.met (eMule, ${v.format}): version ${v.version}, seed 0x${v.seed.toString(16)}, ${v.entries.length} entries`,
      );
      v.entries.forEach((e, i) => {
        lines.push(`[${i}] ${hex(e.id)}${e.tags.length ? `, ${e.tags.length} tags` : ""}`);
        for (const tag of e.tags) lines.push(tagLine(tag));
      });
      break;
    }
    case "canceled.met": {
      const v = value as AmuleCanceledMet;
      lines.push(`canceled.met (aMule): ${v.hashes.length} hashes`);
      v.hashes.forEach((h, i) => {
        lines.push(`[${i}] ${hex(h)}`);
      });
      break;
    }
    default: {
      const v = value as Known2Met;
      lines.push(`known2_64.met: ${v.entries.length} AICH hashsets`);
      v.entries.forEach((e, i) => {
        const leaves = e.leaves.length / 20;
        lines.push(`[${i}] root ${hex(e.root)} (${base32Encode(e.root)}), ${leaves} leaves`);
      });
    }
  }
  return `${lines.join("\n")}\n`;
}
