import { stat as nodeStat } from "node:fs/promises";
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
  snapwrite-met verify FILE [--format FORMAT]

Formats (detected from the header unless --format is given):
  ${MET_FORMATS.join(", ")}

Options take their value as --format FORMAT or --format=FORMAT. Only regular files of at most
2 GiB are read.

Exit status: 0 ok, 1 the file has problems, 2 usage error or unreadable file.
`;

const USAGE_HINT = 'run "snapwrite-met --help" for usage';

interface ParsedArgs {
  readonly command: "dump" | "verify";
  readonly file: string;
  readonly json: boolean;
  readonly format: MetFormat | undefined;
}

function parseArgs(args: readonly string[]): ParsedArgs | string {
  const [command, ...rest] = args;
  if (command !== "dump" && command !== "verify") {
    return command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`;
  }
  let file: string | undefined;
  let json = false;
  let format: MetFormat | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === "--json" && command === "dump") json = true;
    else if (arg === "--format" || arg.startsWith("--format=")) {
      const value = arg === "--format" ? rest[++i] : arg.slice("--format=".length);
      if (!MET_FORMATS.includes(value as MetFormat)) {
        return `--format needs one of ${MET_FORMATS.join(", ")}${value === undefined ? "" : `, got ${JSON.stringify(value)}`}`;
      }
      format = value as MetFormat;
    } else if (arg.startsWith("-") && arg !== "-") return `unknown option ${JSON.stringify(arg)}`;
    else if (file === undefined) file = arg;
    else return `unexpected argument ${JSON.stringify(arg)}`;
  }
  if (file === undefined) return "missing FILE";
  return { command, file, json, format };
}

/** The bytes of `file`, or why it cannot be read (one line). */
async function readInput(file: string, io: CliIo): Promise<Uint8Array | string> {
  try {
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
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
    return error instanceof Error ? error.message : String(error);
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
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h" || args[0] === "help")) {
    io.stdout(CLI_USAGE);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    io.stderr(`snapwrite-met: ${parsed}\n${USAGE_HINT}\n`);
    return 2;
  }
  const read = await readInput(parsed.file, io);
  if (typeof read === "string") {
    io.stderr(`snapwrite-met: cannot read ${JSON.stringify(parsed.file)}: ${read}\n`);
    return 2;
  }
  const bytes = read;
  const detection = detectMetFormat(bytes, parsed.format);
  if (detection === undefined) {
    const first =
      bytes.length === 0
        ? "the file is empty"
        : `first byte 0x${(bytes[0] as number).toString(16).padStart(2, "0")}`;
    io.stderr(`snapwrite-met: ${parsed.file}: not a known .met format (${first}); try --format\n`);
    return 1;
  }
  if (parsed.command === "dump") {
    if (detection.error !== undefined) {
      io.stderr(
        `snapwrite-met: ${parsed.file}: corrupt ${detection.format}: ${describeError(detection.error)}\n`,
      );
      return 1;
    }
    const out = parsed.json
      ? `${JSON.stringify(metValueJson(detection.format, detection.value), null, 2)}\n`
      : metValueText(detection.format, detection.value);
    io.stdout(out);
    return 0;
  }
  return verify(parsed.file, bytes, detection.format, detection.error, io);
}

function verify(
  file: string,
  bytes: Uint8Array,
  format: MetFormat,
  decodeError: PersistenceError | undefined,
  io: CliIo,
): number {
  if (format !== "known.met") {
    if (decodeError !== undefined) {
      io.stdout(`${file}: ${format}: CORRUPT — ${describeError(decodeError)}\n`);
      return 1;
    }
    io.stdout(`${file}: ${format}: OK\n`);
    return 0;
  }
  const { value, error } = decodeKnownMet(bytes, { salvage: true });
  const lines: string[] = [];
  if (error !== undefined) {
    lines.push(
      `CORRUPT — ${describeError(error)}; ${value.records.length} records readable before the damage (a client keeps those and re-hashes the rest)`,
    );
  }
  const validation = validateKnownMet(value as KnownMet);
  for (const p of validation.problems) {
    const where =
      p.record === undefined
        ? "file"
        : `record ${p.record} ${JSON.stringify(safeName(value.records[p.record]))}`;
    lines.push(`${where}: ${p.code} — ${p.message} (client: ${p.effect})`);
  }
  if (lines.length === 0) {
    io.stdout(
      `${file}: known.met: OK — header 0x${value.header.toString(16).padStart(2, "0")}, ${value.records.length} records, no problems\n`,
    );
    return 0;
  }
  io.stdout(
    `${file}: known.met: ${lines.length} problem${lines.length === 1 ? "" : "s"}\n${lines.map((l) => `  ${l}\n`).join("")}`,
  );
  return 1;
}

function safeName(record: { readonly name: string | undefined } | undefined): string | null {
  try {
    return record?.name ?? null;
  } catch {
    return null;
  }
}
