import { stat as nodeStat } from "node:fs/promises";
import { parseArgs as parseNodeArgs } from "node:util";
import type { PersistenceError } from "@snapwrite/core";
import { decodeKnownMet } from "../known-met/decode-known-met.js";
import type { KnownMet } from "../known-met/known-met.js";
import { validateKnownMet } from "../known-met/validate-known-met.js";
import { detectMetFormat, MET_FORMATS, type MetFormat } from "./detect-met-format.js";
import { metValueJson } from "./met-value-json.js";
import { metValueText } from "./met-value-text.js";

/** What {@link runCli} talks to (injected so tests can run it in-process). */
export interface CliIo {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Reads a whole file; only called for a regular file of at most {@link MAX_MET_FILE_BYTES}. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /**
   * Looks a path up (following symlinks) before it is read, so that devices, FIFOs and directories
   * are refused instead of read forever. Default `stat` of `node:fs/promises`.
   */
  readonly stat?: ((path: string) => Promise<CliFileStats>) | undefined;
  /**
   * Reads standard input to its end, for the file name `-`; called with the byte limit
   * ({@link MAX_MET_FILE_BYTES}) and may stop (and throw) once more than that arrived.
   */
  readonly readStdin?: ((limit: number) => Promise<Uint8Array>) | undefined;
  /** The package version printed by `--version`. */
  readonly version?: string | undefined;
}

/** What {@link runCli} needs to know about a file before reading it. */
export interface CliFileStats {
  /** Size in bytes. */
  readonly size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

/**
 * Largest file the CLI reads: 2 GiB − 1 byte, the most `readFile` of Node.js reads into one buffer.
 * Real .met files are far smaller; anything larger is refused before a byte is read.
 */
export const MAX_MET_FILE_BYTES = 2 ** 31 - 1;

/** Usage text of `snapwrite-met`. */
export const CLI_USAGE = `Usage:
  snapwrite-met dump FILE [--json] [--format FORMAT]
  snapwrite-met verify FILE [--json] [--format FORMAT]
  snapwrite-met --version
  snapwrite-met --help

FILE "-" reads standard input.

Formats (detected from the header unless --format is given):
  ${MET_FORMATS.join(", ")}

Options take their value as --format FORMAT or --format=FORMAT. Only regular files (or standard
input) of at most 2 GiB are read.

Exit status: 0 ok, 1 the file has problems, 2 usage error or unreadable file.
`;

const USAGE_HINT = 'run "snapwrite-met --help" for usage';

interface ParsedArgs {
  readonly command: "dump" | "verify" | "help" | "version";
  readonly file: string;
  readonly json: boolean;
  readonly format: MetFormat | undefined;
}

/** One line saying what is wrong with the arguments of `node:util` `parseArgs`. */
function argsProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /'([^']*)'/.exec(message)?.[1];
    return option === undefined ? message : `unknown option ${JSON.stringify(option)}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && message.includes("--format")) {
    return `--format needs one of ${MET_FORMATS.join(", ")}`;
  }
  // The engine's message is a sentence; keep the first line only.
  return (message.split("\n")[0] as string).replace(/\.$/, "");
}

function parseArgs(args: readonly string[]): ParsedArgs | string {
  let values: { json?: boolean; format?: string; help?: boolean; version?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseNodeArgs({
      args: [...args],
      options: {
        json: { type: "boolean" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    return argsProblem(error);
  }
  const [command, ...rest] = positionals;
  const { json = false, format } = values;
  if (values.help === true || (command === "help" && rest.length === 0 && args.length === 1)) {
    return { command: "help", file: "", json: false, format: undefined };
  }
  if (values.version === true) {
    if (args.length !== 1) return "--version takes no other arguments";
    return { command: "version", file: "", json: false, format: undefined };
  }
  if (command !== "dump" && command !== "verify") {
    return command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`;
  }
  if (format !== undefined && !MET_FORMATS.includes(format as MetFormat)) {
    return `--format needs one of ${MET_FORMATS.join(", ")}, got ${JSON.stringify(format)}`;
  }
  const [file, extra] = rest;
  if (file === undefined) return "missing FILE";
  if (extra !== undefined) return `unexpected argument ${JSON.stringify(extra)}`;
  return { command, file, json, format: format as MetFormat | undefined };
}

/** Descriptions of the system error codes a read can end with, for codes without a message. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "not enough memory",
  EINVAL: "invalid argument",
};

/**
 * `CODE: what it means` for a failed read: the description libuv put in the message
 * (`ENOENT: no such file or directory, stat 'x'` without the call and path), else a known
 * description, else the message itself.
 */
export function explainReadError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code !== "string") return message;
  if (message.startsWith(`${code}: `)) {
    const text = message.slice(code.length + 2);
    // "no such file or directory, open 'x.met'": drop the system call and the path.
    const match = /^(.*?), [a-z_]+(?: '.*')?$/s.exec(text);
    return `${code}: ${match?.[1] ?? text}`;
  }
  if (message === "" || message === code) return `${code}: ${ERRNO_TEXT[code] ?? "error"}`;
  return `${code}: ${message}`;
}

/** How the messages name standard input (the file name `-`). */
const STDIN_NAME = "<stdin>";

/** The bytes of `file`, or why it cannot be read (one line). */
async function readInput(file: string, io: CliIo): Promise<Uint8Array | string> {
  try {
    if (file === "-") {
      if (io.readStdin === undefined) return "standard input is not available";
      const bytes = await io.readStdin(MAX_MET_FILE_BYTES);
      if (bytes.byteLength > MAX_MET_FILE_BYTES) {
        return `more than the ${MAX_MET_FILE_BYTES}-byte limit`;
      }
      return bytes;
    }
    const stats = await (io.stat ?? nodeStat)(file);
    // A device or FIFO never ends (/dev/zero) or blocks; only regular files are .met files.
    if (!stats.isFile()) return `not a regular file (${fileKind(stats)})`;
    if (stats.size > MAX_MET_FILE_BYTES) {
      return `${stats.size} bytes, more than the ${MAX_MET_FILE_BYTES}-byte limit`;
    }
    const bytes = await io.readFile(file);
    if (bytes.byteLength > MAX_MET_FILE_BYTES) {
      return `more than the ${MAX_MET_FILE_BYTES}-byte limit`;
    }
    return bytes;
  } catch (error) {
    return explainReadError(error);
  }
}

function fileKind(stats: CliFileStats): string {
  if (stats.isDirectory()) return "directory";
  if (stats.isCharacterDevice()) return "character device";
  if (stats.isBlockDevice()) return "block device";
  if (stats.isFIFO()) return "FIFO";
  if (stats.isSocket()) return "socket";
  return "special file";
}

function describeError(error: PersistenceError): string {
  const d = error.details ?? {};
  const reason = typeof d.reason === "string" ? `${d.reason}: ` : "";
  return `${reason}${error.message}`;
}

/**
 * Runs the `snapwrite-met` command line: `dump FILE [--json]` prints a decoded file (format
 * detected from the header), `verify FILE` reports what eMule/aMule would reject. Returns the exit
 * status (0 ok, 1 problems in the file, 2 usage error or unreadable file); never throws for bad
 * input and never prints stack traces.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    io.stderr(`snapwrite-met: ${parsed}\n${USAGE_HINT}\n`);
    return 2;
  }
  if (parsed.command === "help") {
    io.stdout(CLI_USAGE);
    return 0;
  }
  if (parsed.command === "version") {
    io.stdout(`snapwrite-met ${io.version ?? "(unknown version)"}\n`);
    return 0;
  }
  const read = await readInput(parsed.file, io);
  const name = parsed.file === "-" ? STDIN_NAME : parsed.file;
  if (typeof read === "string") {
    io.stderr(`snapwrite-met: cannot read ${JSON.stringify(name)}: ${read}\n`);
    return 2;
  }
  const bytes = read;
  const detection = detectMetFormat(bytes, parsed.format);
  if (detection === undefined) {
    const first =
      bytes.length === 0
        ? "the file is empty"
        : `first byte 0x${(bytes[0] as number).toString(16).padStart(2, "0")}`;
    io.stderr(`snapwrite-met: ${name}: not a known .met format (${first}); try --format\n`);
    return 1;
  }
  if (parsed.command === "dump") {
    if (detection.error !== undefined) {
      io.stderr(
        `snapwrite-met: ${name}: corrupt ${detection.format}: ${describeError(detection.error)}\n`,
      );
      return 1;
    }
    const out = parsed.json
      ? `${JSON.stringify(metValueJson(detection.format, detection.value), null, 2)}\n`
      : metValueText(detection.format, detection.value);
    io.stdout(out);
    return 0;
  }
  const report = verify(name, bytes, detection.format, detection.error);
  io.stdout(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report));
  return report.ok ? 0 : 1;
}

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
interface VerifyReport {
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

function verify(
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

function verifyText(report: VerifyReport): string {
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
