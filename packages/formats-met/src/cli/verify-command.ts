import type { PersistenceError } from "@snapwrite/core";
import { decodeKnownMet } from "../known-met/decode-known-met.js";
import type { KnownMet } from "../known-met/known-met.js";
import { validateKnownMet } from "../known-met/validate-known-met.js";
import type { MetFormat } from "./detect-met-format.js";

/** One problem of a `verify` report. */
interface VerifyProblem {
  /** Index of the record concerned; absent for the whole file. */
  readonly record?: number;
  /** Its name, when it has a readable one. */
  readonly name?: string | null;
  readonly code: string;
  readonly message: string;
  /** What the client does about it. */
  readonly effect?: string;
}

/** What `verify` found, as printed by `verify --json`. */
export interface VerifyReport {
  readonly file: string;
  readonly format: MetFormat;
  readonly ok: boolean;
  /** known.met: the header as hex (`"0x0e"`). */
  readonly header?: string;
  /** known.met: records read (before the damage, if corrupt). */
  readonly records?: number;
  /** Set when the file does not decode: why, where, and how many records are still readable. */
  readonly corrupt?: {
    readonly reason: string | null;
    readonly offset: number | null;
    readonly message: string;
  };
  readonly problems: VerifyProblem[];
}

/** Decodes and validates `bytes` for `verify`. */
export function verify(
  file: string,
  bytes: Uint8Array,
  format: MetFormat,
  decodeError: PersistenceError | undefined,
): VerifyReport {
  if (format !== "known.met") {
    return {
      file,
      format,
      ok: decodeError === undefined,
      ...(decodeError === undefined ? {} : { corrupt: corruptJson(decodeError) }),
      problems: [],
    };
  }
  const { value, error } = decodeKnownMet(bytes, { salvage: true });
  const validation = validateKnownMet(value as KnownMet);
  const problems: VerifyProblem[] = validation.problems.map((p) => ({
    ...(p.record === undefined
      ? {}
      : { record: p.record, name: safeName(value.records[p.record]) }),
    code: p.code,
    message: p.message,
    effect: p.effect,
  }));
  return {
    file,
    format,
    ok: error === undefined && problems.length === 0,
    header: hexByte(value.header),
    records: value.records.length,
    ...(error === undefined ? {} : { corrupt: corruptJson(error) }),
    problems,
  };
}

function corruptJson(error: PersistenceError) {
  const d = error.details ?? {};
  return {
    reason: typeof d.reason === "string" ? d.reason : null,
    offset: typeof d.offset === "number" ? d.offset : null,
    message: error.message,
  };
}

/** The report of `verify` as text. */
export function verifyText(report: VerifyReport): string {
  const { file, format, corrupt } = report;
  if (format !== "known.met") {
    if (corrupt !== undefined) {
      return `${file}: ${format}: CORRUPT — ${corruptText(corrupt)}\n`;
    }
    return `${file}: ${format}: OK\n`;
  }
  const lines: string[] = [];
  if (corrupt !== undefined) {
    lines.push(
      `CORRUPT — ${corruptText(corrupt)}; ${report.records} records readable before the damage (a client keeps those and re-hashes the rest)`,
    );
  }
  for (const p of report.problems) {
    const where = p.record === undefined ? "file" : `record ${p.record} ${JSON.stringify(p.name)}`;
    lines.push(`${where}: ${p.code} — ${p.message} (client: ${p.effect})`);
  }
  if (lines.length === 0) {
    return `${file}: known.met: OK — header ${report.header}, ${report.records} records, no problems\n`;
  }
  return `${file}: known.met: ${lines.length} problem${lines.length === 1 ? "" : "s"}\n${lines.map((l) => `  ${l}\n`).join("")}`;
}

function corruptText(corrupt: NonNullable<VerifyReport["corrupt"]>): string {
  return corrupt.reason === null ? corrupt.message : `${corrupt.reason}: ${corrupt.message}`;
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, "0")}`;
}

function safeName(record: { readonly name: string | undefined } | undefined): string | null {
  try {
    return record?.name ?? null;
  } catch {
    return null;
  }
}
