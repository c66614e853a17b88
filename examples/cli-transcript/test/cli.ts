import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
/** Deadline of one CLI invocation: it is killed after this (its test then fails). */
const RUN_DEADLINE_MS = 20_000;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Pass `--dir <the test's dir>` first (default true). */
  readonly withDir?: boolean;
  readonly cwd?: string;
  /** Variables set (a string) or removed (`undefined`) in the child's environment. */
  readonly env?: Record<string, string | undefined>;
}

/**
 * `cli(args)` runs the CLI as a user would, in a child process with a deadline, with `--dir` the
 * test's directory (`dirOf()`); it never rejects on an exit code. `show(context)` runs `show` and
 * parses its output as `{ seq, text }` per line.
 */
export function createCli(dirOf: () => string) {
  function cli(args: string[], options: CliOptions = {}): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const prefix = options.withDir === false ? [] : ["--dir", dirOf()];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [MAIN, ...prefix, ...args],
        { timeout: RUN_DEADLINE_MS, killSignal: "SIGKILL", env, cwd: options.cwd },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async function show(
    context: string,
  ): Promise<{ lines: { seq: number; text: string }[]; run: Run }> {
    const run = await cli(["show", context]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const m = /^\s*(\d+) {2}\S+ {2}(.*)$/.exec(line);
        if (m === null) throw new Error(`unexpected show line: ${JSON.stringify(line)}`);
        return { seq: Number(m[1]), text: m[2] as string };
      });
    return { lines, run };
  }

  return { cli, show };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
