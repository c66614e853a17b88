import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { threadSchedAvailable } from "../src/thread-sched.js";

const execFileAsync = promisify(execFile);
const script = fileURLToPath(new URL("../dist/store-bench.js", import.meta.url));

// `npm run bench:store` end to end on a small state, as a user runs it (the built script in its own
// process, with its child processes): every phase runs, every verdict is printed, nothing is saved.
// What it measures on so small a state is not judged here.
describe("npm run bench:store", () => {
  it("runs every phase on a small state and prints a verdict per goal", async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        "--expose-gc",
        script,
        "--entries",
        "3000",
        "--updates",
        "320",
        "--rewrite-entries",
        "500",
        "--rewrite-updates",
        "2",
        "--no-save",
      ],
      { timeout: 240_000, killSignal: "SIGKILL", maxBuffer: 8 << 20 },
    );
    const verdicts = stdout.split("\n").filter((line) => /^(reached|MISSED): /.test(line));
    expect(verdicts.map((line) => line.replace(/^(reached|MISSED): /, "").split(" ")[0])).toEqual([
      "durable",
      "owner",
      "point",
      "warm",
    ]);
    expect(stdout).toMatch(/in-memory control max stall per round [\d.]+/);
    // Where the kernel has per-thread scheduler counters, the stall child split the owner's time.
    if (threadSchedAvailable()) {
      expect(stdout).toMatch(/running its own code [\d.]+/);
      expect(stdout).toMatch(/own steps beside collections within the control's own steps/);
    }
    expect(stdout).toMatch(/warm load: 3,000-record snapshot \+ 300 journal records/);
    expect(stdout).not.toMatch(/^wrote /m);
  }, 250_000);
});
