import { spawn } from "node:child_process";

/** An example program started as a user starts it: `node <main> ...args`. */
export interface StartedExample {
  readonly child: ReturnType<typeof spawn>;
  /** Its stdout so far, line by line. */
  readonly lines: string[];
  /** Resolves with the first line from index `from` on matching `pattern`; rejects after `ms`. */
  waitFor(pattern: RegExp, ms: number, from?: number): Promise<string>;
  /**
   * Resolves with the exit code (or, when a signal ended it, the signal's name, so an assertion
   * on `0` says which); rejects when it has not exited after `ms`.
   */
  exit(ms: number): Promise<number | string | null>;
}

/** Starts `main` with `args` in a child process and collects its output. Shared by example tests. */
export function startExample(main: string, args: readonly string[]): StartedExample {
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    buffered += text;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal)),
  );
  const waitFor = (pattern: RegExp, ms: number, from = 0): Promise<string> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const line = lines.slice(from).find((l) => pattern.test(l));
        if (line !== undefined) {
          clearInterval(poll);
          resolve(line);
        } else if (Date.now() - started > ms || child.exitCode !== null) {
          clearInterval(poll);
          reject(
            new Error(
              `no line matching ${pattern} within ${ms} ms:\n${lines.join("\n")}\n${stderr}`,
            ),
          );
        }
      }, 20);
    });
  const exit = (ms: number): Promise<number | string | null> =>
    Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`did not exit within ${ms} ms:\n${lines.join("\n")}\n${stderr}`)),
          ms,
        ).unref(),
      ),
    ]);
  return { child, lines, waitFor, exit };
}
