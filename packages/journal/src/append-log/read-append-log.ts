import type { FsPort } from "@snapwrite/core";
import { toPersistenceError } from "@snapwrite/core";
import { defaultFs, isNotFound, listDir } from "../journal-fs.js";
import { DEFAULT_MAX_RECORD_BYTES, SEGMENT_MAGIC } from "../segment-format.js";
import { logFiles } from "./log-files.js";
import { framedFormat, jsonlFormat, type LogFormat } from "./log-format.js";

/** Options of {@link readAppendLog}. */
export interface ReadAppendLogOptions {
  /** The log's active file path, as given to `openAppendLog`. */
  readonly path: string;
  /** Start at this seq (earlier records are skipped). Default 1. */
  readonly fromSeq?: number | undefined;
  readonly fs?: FsPort | undefined;
  readonly maxRecordBytes?: number | undefined;
}

/** A record of the log. */
export interface AppendLogRecord {
  readonly seq: number;
  /** The JSON value (`jsonl`) or the payload bytes (`framed`). */
  readonly value: unknown;
  readonly file: string;
  readonly offset: number;
}

/**
 * Damage: `"torn"` for an unfinished last record of the active file (an append in progress or
 * interrupted; the next writer quarantines it), `"corrupt"` for a bad stretch with valid records
 * after it — reported with its offset, and reading goes on.
 */
export interface AppendLogProblem {
  readonly problem: "torn" | "corrupt";
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
}

const MAGIC = new TextEncoder().encode(SEGMENT_MAGIC);

function formatOf(bytes: Uint8Array): LogFormat {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return jsonlFormat;
  return framedFormat;
}

/**
 * Reads an append log from its oldest rotated file to the active one, yielding records in seq
 * order and damage where it is; never writes and never gives up on the whole log for one bad record.
 */
export async function* readAppendLog(
  options: ReadAppendLogOptions,
): AsyncGenerator<AppendLogRecord | AppendLogProblem> {
  const fs = options.fs ?? defaultFs;
  const files = logFiles(options.path);
  const fromSeq = options.fromSeq ?? 1;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const rotated: { file: string; firstSeq: number }[] = [];
  for (const file of await listDir(fs, files.dir)) {
    const firstSeq = files.parseRotated(file);
    if (firstSeq !== undefined) rotated.push({ file, firstSeq });
  }
  rotated.sort((a, b) => a.firstSeq - b.firstSeq);
  const order = rotated.map((r) => r.file);
  order.push(files.active);
  for (let k = 0; k < order.length; k++) {
    const file = order[k] as string;
    const next = rotated[k + 1];
    // A rotated file whose successor starts at or below fromSeq holds nothing wanted.
    if (next !== undefined && next.firstSeq <= fromSeq) continue;
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(files.path(file));
    } catch (error) {
      if (isNotFound(error)) continue;
      throw toPersistenceError(error, { stage: "open", target: file, direction: "read" });
    }
    const isActive = k === order.length - 1;
    const format = formatOf(bytes);
    let header: ReturnType<LogFormat["parseHeader"]>;
    try {
      header = format.parseHeader(bytes);
    } catch {
      yield { problem: isActive ? "torn" : "corrupt", file, offset: 0, bytes: bytes.byteLength };
      continue;
    }
    for (const entry of format.entries(bytes, header.bytes, header, maxRecordBytes)) {
      if (entry.kind === "record") {
        if (entry.seq >= fromSeq)
          yield { seq: entry.seq, value: entry.value, file, offset: entry.offset };
        continue;
      }
      const last = entry.end >= bytes.byteLength;
      const torn =
        isActive &&
        last &&
        (!entry.terminated || entry.reason === "torn" || entry.reason === "zero");
      yield {
        problem: torn ? "torn" : "corrupt",
        file,
        offset: entry.offset,
        bytes: entry.end - entry.offset,
      };
    }
  }
}
