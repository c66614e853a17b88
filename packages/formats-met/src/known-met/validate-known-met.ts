import { ED2K_PART_SIZE } from "../hash/ed2k-constants.js";
import { fileHashMatchesParts } from "../hash/file-hash-matches-parts.js";
import { FT_AICH_HASH, FT_FILENAME } from "../tags/tag-ids.js";
import { decodeAmuleAichString, quoteAichString } from "./amule-aich-string.js";
import { AMULE_INTEGER_FIELD_IDS } from "./amule-integer-field-ids.js";
import { crashesAmuleOnLoad } from "./amule-uncopyable-tag.js";
import { describeTag } from "./describe-tag.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMet } from "./known-met.js";

/**
 * What a client does with a problem:
 * - `load-aborted`: aMule stops loading at this record (earlier records are kept);
 * - `record-dropped`: the record is skipped (the file gets re-hashed), loading goes on;
 * - `file-rejected`: nothing in the file is loaded;
 * - `value-ignored`: the record loads but the value is not used (no check reports this any more:
 *   aMule 2.3.3 aborts on the invalid FT_AICH_HASH it was used for; kept for compatibility);
 * - `client-crashed`: aMule 2.3.3 aborts (a failed assertion ends the daemon) while loading, so
 *   nothing is loaded, shared or rewritten, and it happens again on every start.
 */
export type KnownMetProblemEffect =
  | "client-crashed"
  | "load-aborted"
  | "record-dropped"
  | "file-rejected"
  | "value-ignored";

/** Machine-readable problem codes of {@link validateKnownMet}. */
export type KnownMetProblemCode =
  | "bad-header"
  | "bad-record"
  | "missing-size"
  | "zero-size"
  | "part-hash-count"
  | "part-hash-mismatch"
  | "aich-tag-type"
  | "aich-hash-invalid"
  | "tag-type-mismatch"
  | "tag-type-crashes-amule"
  | "missing-name";

/** One problem found by {@link validateKnownMet}. */
export interface KnownMetProblem {
  /** Index of the record, or `undefined` for a file-level problem. */
  readonly record: number | undefined;
  /** What is wrong. */
  readonly code: KnownMetProblemCode;
  /** What a client does about it. */
  readonly effect: KnownMetProblemEffect;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Result of {@link validateKnownMet}. */
export interface KnownMetValidation {
  /** True when no client would reject or ignore anything. */
  readonly ok: boolean;
  /** Problems in record order. */
  readonly problems: readonly KnownMetProblem[];
}

/**
 * Reports, per record, what eMule/aMule would reject when loading (docs/met-format.md#record-layout, #how-clients-read-tags, #loading-bad-input) —
 * without throwing: the part-hash count rule (`n = size / PARTSIZE; P = n ? n + 1 : 0`), MD4 of the
 * part hashes vs the file hash when P > 1, FT_AICH_HASH not being a string (aMule aborts loading;
 * STR1–STR16 count as strings, aMule's tag reader turns them into STRING), an FT_AICH_HASH
 * string aMule cannot decode to 20 bytes (the daemon aborts: `aich-hash-invalid`, effect
 * `client-crashed`), type mismatches on handled tags, BOOL and BOOLARRAY tags aMule keeps as extra tags (it cannot
 * copy them and the daemon aborts: `tag-type-crashes-amule`, effect `client-crashed`), a missing
 * or zero size and a missing name.
 */
export function validateKnownMet(value: KnownMet): KnownMetValidation {
  const problems: KnownMetProblem[] = [];
  const add = (
    record: number | undefined,
    code: KnownMetProblemCode,
    effect: KnownMetProblemEffect,
    message: string,
  ) => problems.push({ record, code, effect, message });
  const header = value?.header;
  if (header !== 0x0e && header !== 0x0f && header !== "auto") {
    add(
      undefined,
      "bad-header",
      "file-rejected",
      `header ${String(header)} is neither 0x0E nor 0x0F`,
    );
  }
  const records = Array.isArray(value?.records) ? value.records : [];
  for (let i = 0; i < records.length; i++) {
    try {
      checkRecord(records[i] as KnownFileRecord, i, add);
    } catch (error) {
      add(i, "bad-record", "load-aborted", `record cannot be read: ${(error as Error).message}`);
    }
  }
  return { ok: problems.length === 0, problems };
}

function checkRecord(
  record: KnownFileRecord,
  i: number,
  add: (r: number, c: KnownMetProblemCode, e: KnownMetProblemEffect, m: string) => void,
): void {
  for (const tag of record.tags) {
    if (crashesAmuleOnLoad(tag)) {
      add(
        i,
        "tag-type-crashes-amule",
        "client-crashed",
        `${describeTag(tag)} is ${tag.typeName.toUpperCase()}: aMule 2.3.3 copies unhandled tags into the record and cannot copy this type (assertion in CTag's copy constructor), so the daemon aborts while loading; eMule drops the tag`,
      );
      continue;
    }
    if (tag.name !== undefined) continue;
    if (tag.id === FT_AICH_HASH) {
      if (!tag.isString) {
        add(
          i,
          "aich-tag-type",
          "load-aborted",
          `FT_AICH_HASH is ${tag.typeName}, aMule expects a string (STRING or STR1–STR16)`,
        );
      } else if (decodeAmuleAichString(tag.value as string) === undefined) {
        add(
          i,
          "aich-hash-invalid",
          "client-crashed",
          `FT_AICH_HASH ${quoteAichString(tag.value as string)} is not 31 or 32 base32 characters (a 20-byte hash): aMule 2.3.3 fails an assertion on the decoded length and the daemon aborts while loading; eMule ignores the value`,
        );
      }
    } else if (tag.id === FT_FILENAME && !tag.isString) {
      add(
        i,
        "tag-type-mismatch",
        "load-aborted",
        `FT_FILENAME is ${tag.typeName}, expected a string`,
      );
    } else if (AMULE_INTEGER_FIELD_IDS.has(tag.id) && !tag.isInteger) {
      add(
        i,
        "tag-type-mismatch",
        "load-aborted",
        `tag 0x${tag.id.toString(16)} is ${tag.typeName}, expected an integer`,
      );
    }
  }
  if (record.name === undefined) add(i, "missing-name", "record-dropped", "no FT_FILENAME string");
  const size = record.size;
  const parts = record.partHashCount;
  if (size === undefined) {
    add(i, "missing-size", "record-dropped", "no integer FT_FILESIZE");
  } else {
    if (size === 0n) add(i, "zero-size", "record-dropped", "size 0 (aMule refuses empty files)");
    const n = size / BigInt(ED2K_PART_SIZE);
    const expected = n === 0n ? 0n : n + 1n;
    if (BigInt(parts) !== expected) {
      add(
        i,
        "part-hash-count",
        "record-dropped",
        `${parts} part hashes, a ${size}-byte file needs ${expected}`,
      );
    }
  }
  if (parts > 1 && !fileHashMatchesParts(record.hash, record.partHashes)) {
    add(
      i,
      "part-hash-mismatch",
      "record-dropped",
      "MD4 of the part hashes differs from the file hash",
    );
  }
}
