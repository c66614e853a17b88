import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emuleCancelledMetCodec, knownMetCodec } from "@snapwrite/formats-met";
import { afterEach, describe, expect, it } from "vitest";
import { startExample } from "../../../scripts/start-example.js";

const main = fileURLToPath(new URL("../src/main.mjs", import.meta.url));
const cli = join(
  dirname(createRequire(import.meta.url).resolve("@snapwrite/formats-met/package.json")),
  "dist",
  "cli.js",
);

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

const RECORDS = Number(process.env.EXAMPLE_RECORDS ?? 100_000);

describe("examples/emule-known-met", () => {
  it("saves while mutating, makes a final save on SIGTERM, and its files pass snapwrite-met verify", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-emule-"));
    dirs.push(dir);
    const run = start(["--dir", dir, "--records", String(RECORDS), "--deadline-ms", "5000"]);
    children.push(run.child);
    expect(await run.waitFor(/^ready: /, 30_000)).toContain(`${RECORDS} records generated`);
    // At least one periodic save of each file while the owner keeps mutating.
    await run.waitFor(/^\[save\] known\.met generation \d+ ok/, 20_000);
    await run.waitFor(/^\[save\] cancelled\.met generation \d+ ok/, 20_000);
    run.child.kill("SIGTERM");
    expect(await run.exit(15_000)).toBe(0);
    expect(run.lines).toContain(
      "[shutdown] SIGTERM: final save of every unsaved target, deadline 5000 ms",
    );
    expect(run.lines.some((l) => /^\[shutdown\] known\.met: (written|clean) /.test(l))).toBe(true);
    const final = run.lines.find((l) => l.startsWith("final: "));
    const match = /records=(\d+) requests=(\d+) cancelled=(\d+) mutations=(\d+) ok=true/.exec(
      final ?? "",
    );
    expect(match, final).not.toBeNull();
    const [, records, requests, cancelled, mutations] = (match ?? []).map(Number);

    // The files hold exactly the owner's last state: the final save covered every mutation.
    const known = knownMetCodec.decode(new Uint8Array(await readFile(join(dir, "known.met"))));
    expect(known.records).toHaveLength(records ?? -1);
    expect(known.records.reduce((sum, r) => sum + (r.requests ?? 0), 0)).toBe(requests);
    expect(mutations).toBeGreaterThan(0);
    const list = emuleCancelledMetCodec.decode(
      new Uint8Array(await readFile(join(dir, "cancelled.met"))),
    );
    expect(list.entries).toHaveLength(cancelled ?? -1);

    for (const file of ["known.met", "cancelled.met"]) {
      const verify = spawnSync(process.execPath, [cli, "verify", join(dir, file)], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(verify.status, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toContain(": OK");
    }

    // A second start loads what the first one saved, and SIGINT saves again.
    const again = start(["--dir", dir, "--deadline-ms", "5000"]);
    children.push(again.child);
    expect(await again.waitFor(/^ready: /, 30_000)).toContain(`${records} records loaded`);
    again.child.kill("SIGINT");
    expect(await again.exit(15_000)).toBe(0);
    const second = again.lines.find((l) => l.startsWith("final: ")) ?? "";
    const requestsAfter = Number(/requests=(\d+)/.exec(second)?.[1]);
    const knownAfter = knownMetCodec.decode(new Uint8Array(await readFile(join(dir, "known.met"))));
    expect(knownAfter.records.reduce((sum, r) => sum + (r.requests ?? 0), 0)).toBe(requestsAfter);
    expect(requestsAfter).toBeGreaterThanOrEqual(requests ?? 0);
  });

  it("stops on a damaged known.met at every start, leaving the file where it is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-emule-corrupt-"));
    dirs.push(dir);
    // Not a known.met (an unknown header byte, as from a newer client): the user's data all the same.
    const damaged = Uint8Array.from([0x99, 1, 2, 3, 4, 5, 6, 7]);
    await writeFile(join(dir, "known.met"), damaged);
    for (let i = 0; i < 2; i++) {
      const run = start(["--dir", dir, "--records", "1000"]);
      children.push(run.child);
      expect(await run.exit(20_000)).toBe(1);
      expect(run.lines).toHaveLength(1);
      expect(run.lines[0]).toMatch(/^cannot load known\.met: ERR_CORRUPT /);
      // Not moved aside, not overwritten with generated records.
      expect(new Uint8Array(await readFile(join(dir, "known.met")))).toEqual(damaged);
      // Nor is the instance lock left behind.
      expect(await readdir(dir)).toEqual(["known.met"]);
    }
  });

  it("refuses a second instance on the same folder with ERR_LOCKED", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-emule-lock-"));
    dirs.push(dir);
    const first = start(["--dir", dir, "--records", "1000"]);
    children.push(first.child);
    await first.waitFor(/^ready: /, 30_000);
    const second = start(["--dir", dir, "--records", "1000"]);
    children.push(second.child);
    expect(await second.exit(20_000)).toBe(1);
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatch(/^cannot start: ERR_LOCKED /);
    first.child.kill("SIGTERM");
    expect(await first.exit(15_000)).toBe(0);
    // The lock went with the first instance: a start after it runs.
    const third = start(["--dir", dir]);
    children.push(third.child);
    expect(await third.waitFor(/^ready: /, 30_000)).toContain("1000 records loaded");
    third.child.kill("SIGINT");
    expect(await third.exit(15_000)).toBe(0);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--records", "0"], '--records must be a whole number from 1 to 10000000, got "0"'],
    [["--records", "abc"], '--records must be a whole number from 1 to 10000000, got "abc"'],
    [["--records", "-5"], "Option '--records' argument is ambiguous."],
    [["--deadline-ms", "abc"], '--deadline-ms must be a whole number from 0 to 600000, got "abc"'],
    [["--deadline-ms=-5"], '--deadline-ms must be a whole number from 0 to 600000, got "-5"'],
    [
      ["--mutate-every-ms", "0"],
      '--mutate-every-ms must be a whole number from 1 to 600000, got "0"',
    ],
  ])(
    "answers %j with one line, the usage and exit code 2, before touching the folder",
    async (args, problem) => {
      const dir = await mkdtemp(join(tmpdir(), "example-emule-usage-"));
      dirs.push(dir);
      const run = start(["--dir", dir, ...args]);
      children.push(run.child);
      let stderr = "";
      run.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      expect(await run.exit(20_000)).toBe(2);
      const [first, usage, ...rest] = stderr.split("\n");
      expect(first).toBe(`emule-known-met: ${problem}`);
      expect(usage).toMatch(/^usage: /);
      expect(rest.join("")).toBe("");
      expect(await readdir(dir)).toEqual([]);
    },
  );
});
