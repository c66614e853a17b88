import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
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

  it.each([
    ["torn JSON", '{"version":1,"data":{"edits":3', /^cannot load state\.json: ERR_CORRUPT /],
    ["a newer version", '{"version":2,"data":{"edits":3}}', /^cannot load state\.json: ERR_\w+ /],
    [
      "no app state",
      '{"version":1,"data":null}',
      /^cannot load state\.json: ERR_CORRUPT it holds no app state/,
    ],
  ])(
    "stops on a state.json with %s at every start, leaving the file where it is",
    async (_, text, error) => {
      const dir = await mkdtemp(join(tmpdir(), "example-live-state-bad-"));
      dirs.push(dir);
      await writeFile(join(dir, "state.json"), text);
      for (let i = 0; i < 2; i++) {
        const run = start(["--dir", dir]);
        children.push(run.child);
        expect(await run.exit(10_000)).toBe(1);
        expect(run.lines).toHaveLength(1);
        expect(run.lines[0]).toMatch(error);
        // Not moved aside, not overwritten with a fresh state.
        expect(await readFile(join(dir, "state.json"), "utf8")).toBe(text);
        // Nor is the instance lock left behind.
        expect(await readdir(dir)).toEqual(["state.json"]);
      }
    },
  );

  it("refuses a second instance on the same folder with ERR_LOCKED", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-live-state-lock-"));
    dirs.push(dir);
    const first = start(["--dir", dir]);
    children.push(first.child);
    await first.waitFor(/^ready: /, 20_000);
    const second = start(["--dir", dir]);
    children.push(second.child);
    expect(await second.exit(10_000)).toBe(1);
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatch(/^cannot start: ERR_LOCKED /);
    first.child.kill("SIGTERM");
    expect(await first.exit(10_000)).toBe(0);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--deadline-ms", "abc"], '--deadline-ms must be a whole number from 0 to 600000, got "abc"'],
    [["--deadline-ms", "-5"], "Option '--deadline-ms' argument is ambiguous."],
    [["--deadline-ms=-5"], '--deadline-ms must be a whole number from 0 to 600000, got "-5"'],
    [["--edit-every-ms", "0"], '--edit-every-ms must be a whole number from 1 to 600000, got "0"'],
  ])(
    "answers %j with one line, the usage and exit code 2, before touching the folder",
    async (args, problem) => {
      const dir = await mkdtemp(join(tmpdir(), "example-live-state-usage-"));
      dirs.push(dir);
      const run = start(["--dir", dir, ...args]);
      children.push(run.child);
      let stderr = "";
      run.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      expect(await run.exit(10_000)).toBe(2);
      const [first, usage, ...rest] = stderr.split("\n");
      expect(first).toBe(`live-app-state: ${problem}`);
      expect(usage).toMatch(/^usage: /);
      expect(rest.join("")).toBe("");
      expect(await readdir(dir)).toEqual([]);
    },
  );
});
