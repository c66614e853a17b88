import { type ChildProcess, spawn } from "node:child_process";

/** A child process spoken to by lines on stdin, whose stdout lines are awaited with deadlines. */
export class LineChild {
  readonly process: ChildProcess;
  private readonly lines: string[] = [];
  private buffered = "";
  private stderr = "";
  private wake: () => void = () => undefined;

  constructor(script: string, args: readonly string[]) {
    this.process = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.process.stdout?.on("data", (d: Buffer) => {
      this.buffered += d.toString();
      const parts = this.buffered.split("\n");
      this.buffered = parts.pop() ?? "";
      this.lines.push(...parts);
      this.wake();
    });
    this.process.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.process.on("close", () => this.wake());
  }

  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** The next `count` lines not taken yet; rejects after `ms` (with what the child said). */
  async take(count: number, ms = 10_000): Promise<string[]> {
    const until = Date.now() + ms;
    while (this.lines.length < count) {
      const left = until - Date.now();
      if (left <= 0 || this.process.exitCode !== null) {
        throw new Error(
          `expected ${count} lines, got ${JSON.stringify(this.lines)}; ${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.splice(0, count);
  }

  /** Kills the child if it still runs (SIGCONT first: a stopped child would not die of SIGTERM). */
  kill(): void {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill("SIGCONT");
    this.process.kill("SIGKILL");
  }
}
