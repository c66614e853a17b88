import { parseArgs as parseNodeArgs } from "node:util";
import { MET_FORMATS, type MetFormat } from "./detect-met-format.js";

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

export const USAGE_HINT = 'run "snapwrite-met --help" for usage';

/** The parsed command line. */
export interface ParsedArgs {
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

/** Parses the arguments, or returns one line saying what is wrong with them. */
export function parseCliArgs(args: readonly string[]): ParsedArgs | string {
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
