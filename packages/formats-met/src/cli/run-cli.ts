import { CLI_USAGE, parseCliArgs, USAGE_HINT } from "./cli-args.js";
import type { CliIo } from "./cli-io.js";
import { detectMetFormat } from "./detect-met-format.js";
import { dumpCommand } from "./dump-command.js";
import { readInput, STDIN_NAME } from "./read-input.js";
import { verify, verifyText } from "./verify-command.js";
import { explainWriteError, OutputError, writeOutput } from "./write-output.js";

export { CLI_USAGE } from "./cli-args.js";
export type { CliFileStats, CliIo } from "./cli-io.js";
export { MAX_MET_FILE_BYTES } from "./cli-io.js";
export { explainReadError } from "./read-input.js";

/**
 * Runs the `snapwrite-met` command line: `dump FILE [--json]` prints a decoded file (format
 * detected from the header), `verify FILE` reports what eMule/aMule would reject. Returns the exit
 * status (0 ok, 1 problems in the file, 2 usage error, unreadable file or standard output that
 * cannot be written); never throws for bad input and never prints stack traces.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await runCommand(args, io);
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    io.stderr(`snapwrite-met: cannot write standard output: ${explainWriteError(error.cause)}\n`);
    return 2;
  }
}

async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(args);
  if (typeof parsed === "string") {
    io.stderr(`snapwrite-met: ${parsed}\n${USAGE_HINT}\n`);
    return 2;
  }
  if (parsed.command === "help") {
    await writeOutput(io, [CLI_USAGE]);
    return 0;
  }
  if (parsed.command === "version") {
    await writeOutput(io, [`snapwrite-met ${io.version ?? "(unknown version)"}\n`]);
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
  if (parsed.command === "dump") return dumpCommand(name, detection, parsed.json, io);
  const report = verify(name, bytes, detection.format, detection.error);
  await writeOutput(io, [
    parsed.json ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report),
  ]);
  return report.ok ? 0 : 1;
}
