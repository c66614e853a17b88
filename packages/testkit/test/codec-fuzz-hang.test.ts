import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkCodecFuzz } from "../src/contract.js";
import { createListCodec } from "./fixtures/length-prefixed-codec.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/hanging-decode-fuzz.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/checks.js", import.meta.url));

function runScript(...args: string[]) {
  return new Promise<{
    signal: string | null;
    code: number | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    // The deadline kills with SIGTERM, so a run the watchdog did not end is told apart.
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { timeout: 20_000, killSignal: "SIGTERM" },
      (error, stdout, stderr) => {
        const failure = error as { signal?: string | null; code?: number | null } | null;
        resolve({
          signal: failure?.signal ?? null,
          code: failure?.code ?? 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe("checkCodecFuzz on a decode that never returns", () => {
  it("ends the process through its watchdog, naming the input, instead of hanging", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const run = await runScript("300");
    expect(run.signal).toBe("SIGKILL");
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /checkCodecFuzz: loops-forever: decoding [1-5] bytes \[(?:[0-9a-f]{2} )*61\] has not returned after 300 ms \(hangLimitMs\)/,
    );
  }, 30_000);

  it("lets a terminating fuzz run end the process normally: the watchdog thread is stopped", async () => {
    const run = await runScript("300", "terminating");
    expect(run).toMatchObject({ signal: null, code: 0, stdout: "returned\n" });
  }, 30_000);

  it("does not fire on decodes that return, even under a short hang limit", () => {
    const codec = createListCodec();
    checkCodecFuzz(
      { codec, samples: [{ value: ["a", "bc"] }] },
      { numRuns: 20, hangLimitMs: 2000 },
    );
  });

  it("refuses a hang limit that is not a positive number", () => {
    const codec = createListCodec();
    expect(() =>
      checkCodecFuzz({ codec, samples: [{ value: [] }] }, { numRuns: 1, hangLimitMs: 0 }),
    ).toThrow(/hangLimitMs must be a number > 0, got 0/);
  });
});
