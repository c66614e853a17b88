import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lockFile } from "@snapwrite/sink-fs";
import { afterEach, describe, expect, it } from "vitest";
import { startExample } from "../../../scripts/start-example.js";

const main = fileURLToPath(new URL("../src/main.mjs", import.meta.url));

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs the example to its end and returns what it printed. */
async function run(dir: string, extra: string[] = []): Promise<string[]> {
  const started = startExample(main, ["--dir", dir, ...extra]);
  children.push(started.child);
  expect(await started.exit(20_000)).toBe(0);
  return started.lines;
}

/** Runs the example where it must fail, and returns its exit code, stdout lines and stderr. */
async function runFailing(args: string[]) {
  const started = startExample(main, args);
  children.push(started.child);
  let stderr = "";
  started.child.stderr?.on("data", (text: string) => {
    stderr += text;
  });
  const code = await started.exit(20_000);
  return { code, lines: started.lines, stderr };
}

const line = (lines: string[], prefix: string): string => {
  const found = lines.find((l) => l.startsWith(prefix));
  if (found === undefined) throw new Error(`no line starting with ${prefix}:\n${lines.join("\n")}`);
  return found;
};

/** The numbers of a `load:` line. */
function loadReport(lines: string[]) {
  const match = /^load: source=(\S+) snapshotSeq=(\d+) replayed=(\d+) seq=(\d+)/.exec(
    line(lines, "load: "),
  );
  expect(match).not.toBeNull();
  return {
    source: match?.[1],
    snapshotSeq: Number(match?.[2]),
    replayed: Number(match?.[3]),
    seq: Number(match?.[4]),
  };
}

/** The ids of the `assets:` line. */
const assetIds = (lines: string[]): string[] =>
  (/^assets: \d+ at seq \d+: (.*)$/.exec(line(lines, "assets: "))?.[1] ?? "").split(",");

describe("examples/asset-registry", () => {
  it("commits write-through with continuous seqs, refuses a duplicate without a change, reloads after a failed patch and warm-loads on the next start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-asset-registry-"));
    dirs.push(dir);

    const first = await run(dir);
    expect(loadReport(first)).toEqual({ source: "empty", snapshotSeq: 0, replayed: 0, seq: 0 });
    // Every registration is durable before it is acknowledged, with seqs 1, 2, 3, ... in order.
    const seqs = first
      .filter((l) => l.startsWith("commit register ") && !l.includes(" again:"))
      .map((l) => /: ok seq=(\d+) durable=true patched=true/.exec(l)?.[1])
      .map(Number);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    // The snapshot is written by the store's replica in a worker thread, not on the main thread.
    expect(line(first, "compact: ")).toMatch(
      /^compact: snapshot at seq 3 \(\d+ bytes, worker snapshots=1\)$/,
    );
    expect(assetIds(first)).toEqual(["banner", "font", "intro", "logo", "manual"]);

    // The duplicate fails as a command, is not committed, and leaves the same root in memory.
    expect(line(first, "commit register logo again: ")).toMatch(
      /: failed ERR_COMMAND committed=false: .*already registered/,
    );
    expect(line(first, "unchanged after the failure: ")).toBe(
      "unchanged after the failure: true (seq 5, logo owner design)",
    );

    // An upload whose patch applies takes the next seq; one whose patch does not keeps the
    // caller's file, reports ERR_CONFLICT and a reload, and health counts the reload.
    expect(line(first, "commitExternal upload logo: ")).toMatch(/: ok seq=6 .*patched=true/);
    expect(line(first, "asset logo: ")).toContain('"file":"files/logo","bytes":6');
    expect(line(first, "commitExternal upload poster: ")).toMatch(
      /: ok seq=6 durable=true patched=false reloaded=true .*error=ERR_CONFLICT$/,
    );
    expect(line(first, "poster file after the failed patch: ")).toBe(
      "poster file after the failed patch: 7 bytes",
    );
    expect(await readFile(join(dir, "files", "poster"), "utf8")).toBe("PNG 1.0");
    const health = /reloads=(\d+) lastReloadReason=(.*)$/.exec(line(first, "health: "));
    expect(Number(health?.[1])).toBeGreaterThanOrEqual(1);
    expect(health?.[2]).toBe("patch-failed: upload poster");
    expect(line(first, "close: ")).toMatch(/^close: outcome=clean committedSeq=6 durableSeq=6 /);

    // Second start: the snapshot at seq 3 plus the three journal records after it.
    const second = await run(dir);
    expect(loadReport(second)).toEqual({ source: "snapshot", snapshotSeq: 3, replayed: 3, seq: 6 });
    expect(assetIds(second)).toEqual(["banner", "font", "intro", "logo", "manual"]);
    expect(line(second, "asset logo: ")).toContain('"file":"files/logo","bytes":6');
    expect(line(second, "health: ")).toContain("reloads=0");
  });

  it("loses no acknowledged registration when the process is killed mid-burst", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-asset-registry-kill-"));
    dirs.push(dir);
    await run(dir);

    const burst = startExample(main, ["--dir", dir, "--burst", "5000"]);
    children.push(burst.child);
    // Every line the child wrote before it died, including those still in the pipe at its exit.
    const drained = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      burst.child.stdout?.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await burst.waitFor(/^acked burst-0030: ok /, 20_000);
    burst.child.kill("SIGKILL");
    expect(await burst.exit(10_000)).toBe("SIGKILL");
    await drained;
    const acked = burst.lines
      .map((l) => /^acked (burst-\d+): ok seq=(\d+) durable=true/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ id: m[1] as string, seq: Number(m[2]) }));
    expect(acked.length).toBeGreaterThanOrEqual(31);
    // Continuous seqs after the first run's 6.
    expect(acked.map((a) => a.seq)).toEqual(acked.map((_, i) => 7 + i));

    const after = await run(dir);
    const report = loadReport(after);
    expect(report.seq).toBeGreaterThanOrEqual(acked.length + 6);
    const ids = assetIds(after);
    for (const { id } of acked) expect(ids).toContain(id);
    // What came back is a prefix of the burst: no hole, at most the one in flight beyond the acks.
    const burstIds = ids.filter((id) => id.startsWith("burst-"));
    expect(burstIds).toEqual(burstIds.map((_, i) => `burst-${String(i).padStart(4, "0")}`));
    expect(burstIds.length).toBe(report.seq - 6);
    expect(burstIds.length - acked.length).toBeLessThanOrEqual(1);
  });

  it("refuses a folder another process holds with a one-line ERR_LOCKED, and writes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-asset-registry-lock-"));
    dirs.push(dir);
    await run(dir);
    const seq = loadReport(await run(dir)).seq;
    // The store's lock, as another instance holds it: `.store.lock` in the registry folder.
    const held = await lockFile(join(dir, "registry", "store"), { waitMs: 0 });
    try {
      const refused = await runFailing(["--dir", dir, "--burst", "3"]);
      expect(refused.code).toBe(1);
      expect(refused.lines).toHaveLength(1);
      expect(refused.lines[0]).toMatch(/^cannot open .*registry: ERR_LOCKED /);
      expect(refused.stderr).toBe("");
    } finally {
      await held.release();
    }
    // Nothing was committed by the refused instance.
    expect(loadReport(await run(dir)).seq).toBe(seq);
  });

  it("reports a --dir that is a file, or a FIFO at the snapshot, on one line with its code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-asset-registry-bad-"));
    dirs.push(dir);
    await writeFile(join(dir, "a-file"), "not a folder");
    const onFile = await runFailing(["--dir", join(dir, "a-file")]);
    expect(onFile.code).toBe(1);
    expect(onFile.lines).toHaveLength(1);
    // A path through a file can never work: the permanent ERR_INVALID_TARGET, not a transient ERR_IO.
    expect(onFile.lines[0]).toMatch(
      /^cannot open .*a-file[/\\]registry: ERR_INVALID_TARGET .*ENOTDIR/,
    );
    expect(onFile.stderr).toBe("");

    const store = join(dir, "store");
    await run(store);
    const snapshot = (await readdir(join(store, "registry"))).find((f) => f.includes(".snap."));
    expect(snapshot).toBeDefined();
    await rm(join(store, "registry", snapshot as string));
    execFileSync("mkfifo", [join(store, "registry", snapshot as string)]);
    const onFifo = await runFailing(["--dir", store]);
    expect(onFifo.code).toBe(1);
    expect(onFifo.lines).toHaveLength(1);
    expect(onFifo.lines[0]).toMatch(
      /^cannot open .*registry: ERR_INVALID_TARGET .*not a regular file/,
    );
    expect(onFifo.stderr).toBe("");
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--burst", "abc"], '--burst must be a whole number up to 1000000, got "abc"'],
    [["--burst=-5"], '--burst must be a whole number up to 1000000, got "-5"'],
    [["--burst", "99999999999"], '--burst must be a whole number up to 1000000, got "99999999999"'],
  ])("answers %j with one line, the usage and exit code 2", async (args, problem) => {
    const dir = await mkdtemp(join(tmpdir(), "example-asset-registry-usage-"));
    dirs.push(dir);
    const { code, lines, stderr } = await runFailing(["--dir", dir, ...args]);
    expect(code).toBe(2);
    expect(lines).toEqual([]);
    const [first, usage, ...rest] = stderr.split("\n");
    expect(first).toBe(`asset-registry: ${problem}`);
    expect(usage).toMatch(/^usage: /);
    expect(rest.join("")).toBe("");
    expect(await readdir(dir)).toEqual([]);
  });
});
