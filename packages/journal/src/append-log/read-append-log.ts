import type { FsPort } from "@snapwrite/core";
import { defaultFs, listDir } from "../journal-fs.js";
import { SEGMENT_HEADER_BYTES } from "../segment-format.js";
import type { ReadAppendLogOptions } from "./append-log-types.js";
import { recordTooLarge } from "./log-errors.js";
import { readLogFile } from "./log-file-access.js";
import { logFiles } from "./log-files.js";
import {
  formatOf,
  framedFormat,
  jsonlFormat,
  type LogFormat,
  recognisedFormat,
} from "./log-format.js";
import { readLogHeader } from "./log-header.js";
import { checkMaxRecordBytes, checkReadAppendLogOptions } from "./log-options.js";

export type { ReadAppendLogOptions } from "./append-log-types.js";

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
 * after it — reported with its offset, and reading goes on — and for a record whose seq repeats or
 * goes backwards (a writer that lost its lock appended late; never yielded); `"gap"` when the seqs jump from one
 * file to the next (a file in the middle was deleted), with `offset` 0 and `bytes` 0 at the file
 * that starts after the gap. A rotation by another process while the log is read is not a gap: the
 * reader lists the files again and reads the newly rotated one.
 */
export interface AppendLogProblem {
  readonly problem: "torn" | "corrupt" | "gap";
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
}

/** How often the files are listed again when rotations keep racing the reader. */
const MAX_LISTINGS = 16;

/**
 * Reads an append log from its oldest rotated file to the active one, yielding records in seq
 * order and damage where it is; never writes and never gives up on the whole log for one bad record.
 * Safe against writers that rotate meanwhile: when the active file has moved on (or is gone, or has
 * no header yet), the directory is listed again and the files rotated since are read first, so no
 * record is skipped.
 */
export async function* readAppendLog(
  options: ReadAppendLogOptions,
): AsyncGenerator<AppendLogRecord | AppendLogProblem> {
  const reader = new LogReader(options);
  const read = new Set<string>();
  let previous: string | undefined;
  for (let listing = 0; listing < MAX_LISTINGS; listing++) {
    const rotated = await reader.rotatedFiles();
    const names = rotated.map((r) => r.file).join("/");
    for (let k = 0; k < rotated.length; k++) {
      const { file } = rotated[k] as { file: string };
      if (read.has(file)) continue;
      const next = rotated[k + 1];
      read.add(file);
      // A rotated file whose successor starts at or below the next wanted seq holds nothing new.
      if (next !== undefined && next.firstSeq <= reader.wanted) continue;
      yield* reader.readFile(file, false);
    }
    const last = listing === MAX_LISTINGS - 1;
    const active = await reader.load(reader.files.active);
    if (active === undefined) continue; // renamed away by a rotation: list again
    const firstSeq = reader.firstSeqOf(active);
    // No header yet: just created, maybe by a rotation after the listing. List again until the
    // listing is the same twice (the files rotated meanwhile are read first).
    if (firstSeq === undefined && names !== previous && !last) {
      previous = names;
      continue;
    }
    if (
      firstSeq !== undefined &&
      reader.nextSeq !== undefined &&
      firstSeq > reader.nextSeq &&
      !last
    ) {
      continue; // rotated after the listing: read the rotated file first
    }
    // A rotation interrupted between its link and its unlink: the active file is the rotated one.
    if (firstSeq !== undefined && (await reader.isRotatedAs(firstSeq, rotated))) return;
    const format = await reader.formatFor(reader.files.active, active);
    yield* reader.parse(reader.files.active, active, true, format);
    return;
  }
}

/**
 * Whether a file whose first bytes name no format holds a framed record behind its header, checked
 * with the salt the header holds: a framed file whose magic is damaged (a record's CRC32C that
 * checks out by chance is one in 2^32).
 */
function holdsFramedRecords(bytes: Uint8Array, maxRecordBytes: number): boolean {
  if (bytes.byteLength <= SEGMENT_HEADER_BYTES) return false;
  const header = framedFormat.salvageHeader(bytes);
  for (const entry of framedFormat.entries(bytes, header.bytes, header, maxRecordBytes)) {
    if (entry.kind !== "bad") return true;
  }
  return false;
}

/** The state of one {@link readAppendLog} pass. */
class LogReader {
  readonly fs: FsPort;
  readonly files: ReturnType<typeof logFiles>;
  readonly fromSeq: number;
  readonly maxRecordBytes: number;
  /** The seq after the last record seen (yielded or skipped below `fromSeq`). */
  nextSeq: number | undefined;
  /**
   * The log's format, for a file whose first bytes name none: the caller's, else that of the
   * log's other files once one was needed (`null`: none of them says).
   */
  logFormat: LogFormat | null | undefined;

  constructor(options: ReadAppendLogOptions) {
    this.fromSeq = checkReadAppendLogOptions(options);
    this.fs = options.fs ?? defaultFs;
    this.files = logFiles(options.path);
    this.maxRecordBytes = checkMaxRecordBytes(options.maxRecordBytes, "readAppendLog");
    const { format } = options;
    this.logFormat =
      format === undefined ? undefined : format === "jsonl" ? jsonlFormat : framedFormat;
  }

  /** The lowest seq still to yield. */
  get wanted(): number {
    return Math.max(this.fromSeq, this.nextSeq ?? 1);
  }

  async rotatedFiles(): Promise<{ file: string; firstSeq: number }[]> {
    const rotated: { file: string; firstSeq: number }[] = [];
    for (const file of await listDir(this.fs, this.files.dir)) {
      const firstSeq = this.files.parseRotated(file);
      if (firstSeq !== undefined) rotated.push({ file, firstSeq });
    }
    return rotated.sort((a, b) => a.firstSeq - b.firstSeq);
  }

  /**
   * A file's bytes, `undefined` when it is gone; a symlink, FIFO, socket, device or directory is
   * refused with `ERR_INVALID_TARGET` (never waited on, never read without end).
   */
  load(file: string): Promise<Uint8Array | undefined> {
    return readLogFile(this.fs, this.files.path(file), {
      target: file,
      stage: "open",
      direction: "read",
    });
  }

  /**
   * Whether the active file is the rotated file starting at `firstSeq` under a second name (both
   * names lead to one inode).
   */
  async isRotatedAs(firstSeq: number, rotated: readonly { file: string; firstSeq: number }[]) {
    const file = rotated.find((r) => r.firstSeq === firstSeq)?.file;
    if (file === undefined) return false;
    const [a, b] = await Promise.all(
      [file, this.files.active].map((f) =>
        this.fs.lstat(this.files.path(f)).catch(() => undefined),
      ),
    );
    return a !== undefined && a.ino === b?.ino;
  }

  /** The first seq a file's header names, or `undefined` when it has no readable header. */
  firstSeqOf(bytes: Uint8Array): number | undefined {
    try {
      return formatOf(bytes).parseHeader(bytes).firstSeq;
    } catch {
      return undefined;
    }
  }

  async *readFile(
    file: string,
    isActive: boolean,
  ): AsyncGenerator<AppendLogRecord | AppendLogProblem> {
    const bytes = await this.load(file);
    if (bytes !== undefined)
      yield* this.parse(file, bytes, isActive, await this.formatFor(file, bytes));
  }

  /**
   * The format to read `file` in: the one its first bytes name, else (a damaged segment magic) the
   * log's format, see {@link logFormat}.
   */
  async formatFor(file: string, bytes: Uint8Array): Promise<LogFormat> {
    if (bytes.byteLength === 0 || recognisedFormat(bytes) !== undefined) return formatOf(bytes);
    if (this.logFormat === undefined) this.logFormat = (await this.otherFilesFormat(file)) ?? null;
    if (this.logFormat !== null) return formatOf(bytes, this.logFormat);
    return holdsFramedRecords(bytes, this.maxRecordBytes) ? framedFormat : jsonlFormat;
  }

  /** The format the first of the log's files other than `file` whose first bytes name one is in. */
  async otherFilesFormat(file: string): Promise<LogFormat | undefined> {
    const rotated = (await this.rotatedFiles()).map((r) => r.file);
    for (const other of [...rotated, this.files.active]) {
      if (other === file) continue;
      const bytes = await this.load(other).catch(() => undefined);
      const format = bytes === undefined ? undefined : recognisedFormat(bytes);
      if (format !== undefined) return format;
    }
    return undefined;
  }

  *parse(
    file: string,
    bytes: Uint8Array,
    isActive: boolean,
    format: LogFormat,
  ): Generator<AppendLogRecord | AppendLogProblem> {
    // A file just created, before its header is written: nothing in it yet, nothing damaged.
    if (isActive && bytes.byteLength === 0) return;
    const read = readLogHeader(format, bytes, file);
    if (read.kind === "torn") {
      yield { problem: isActive ? "torn" : "corrupt", file, offset: 0, bytes: bytes.byteLength };
      return;
    }
    const { header } = read;
    if (read.kind === "damaged") {
      // The records behind a damaged header carry their own seqs: read on.
      yield { problem: "corrupt", file, offset: 0, bytes: header.bytes };
    } else if (this.nextSeq !== undefined && header.firstSeq > this.nextSeq) {
      yield { problem: "gap", file, offset: 0, bytes: 0 };
    }
    for (const entry of format.entries(bytes, header.bytes, header, this.maxRecordBytes)) {
      if (entry.kind === "oversized") throw recordTooLarge(file, entry, this.maxRecordBytes);
      if (entry.kind === "record") {
        if (this.nextSeq !== undefined && entry.seq < this.nextSeq) {
          // A seq that repeats or goes backwards is damage (a writer that lost its lock appended
          // after the next holder), never "read already": reported, not yielded.
          yield { problem: "corrupt", file, offset: entry.offset, bytes: entry.end - entry.offset };
          continue;
        }
        this.nextSeq = entry.seq + 1;
        if (entry.seq >= this.fromSeq)
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
