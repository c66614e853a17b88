import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createJsonCodec } from "@snapwrite/formats-json";
import { afterEach, describe, expect, it } from "vitest";
import { startExample } from "../../../scripts/start-example.js";

const main = fileURLToPath(new URL("../src/main.mjs", import.meta.url));

/** The example as a user starts it, with its stdout collected line by line. */
function start(args: string[]) {
  return startExample(main, args);
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("examples/live-app-state", () => {
  it("saves with debounce, reports preset saves and the unsaved indicator, and shuts down within the deadline despite a hung sink", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-live-state-"));
    dirs.push(dir);
    const run = start(["--dir", dir, "--deadline-ms", "1500"]);
    children.push(run.child);
    expect(await run.waitFor(/^ready: /, 20_000)).toContain("new state");
    // An explicit save reports its result, and the indicator goes both ways.
    expect(await run.waitFor(/^\[preset\] \w+ /, 20_000)).toMatch(
      /^\[preset\] focus saved: generation \d+, \d+ bytes/,
    );
    await run.waitFor(/^\[indicator\] ✓ all changes saved$/, 20_000);
    // Stop while the user is typing: the final save must cover the last edit.
    await run.waitFor(/^\[indicator\] ● unsaved changes$/, 20_000, run.lines.length);
    run.child.kill("SIGTERM");
    expect(await run.exit(10_000)).toBe(0);
    expect(run.lines).toContain("[shutdown] remote state.json: timed-out (ERR_TIMEOUT)");
    expect(run.lines.some((l) => /^\[shutdown\] local state\.json: (written|clean)$/.test(l))).toBe(
      true,
    );
    const final = /^final: edits=(\d+) preset=(\w+) local=saved remote=not saved/.exec(
      run.lines.find((l) => l.startsWith("final: ")) ?? "",
    );
    expect(final).not.toBeNull();
    const saved = createJsonCodec<{ edits: number; preset: string }>({ version: 1 }).decode(
      new Uint8Array(await readFile(join(dir, "state.json"))),
    );
    expect(saved.edits).toBe(Number(final?.[1]));
    expect(saved.preset).toBe(final?.[2]);

    // The next start picks up where the last one stopped.
    const again = start(["--dir", dir, "--deadline-ms", "1500"]);
    children.push(again.child);
    expect(await again.waitFor(/^ready: /, 20_000)).toContain(`loaded state, ${saved.edits} edits`);
    again.child.kill("SIGINT");
    expect(await again.exit(10_000)).toBe(0);
  });
});
