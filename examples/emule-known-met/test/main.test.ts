import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
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
});
