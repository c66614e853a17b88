import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedExample, startExample } from "../../../scripts/start-example.js";

const main = fileURLToPath(new URL("../src/main.mjs", import.meta.url));

const VARS = [
  "INDEX_CACHE_REFRESH_MS",
  "INDEX_CACHE_LOAD_TIMEOUT_MS",
  "INDEX_CACHE_LOAD_CONCURRENCY",
  "INDEX_CACHE_CLOSE_TIMEOUT_MS",
];

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts the example with exactly `env` as its INDEX_CACHE_* variables (the child copies them). */
function start(args: string[], env: Record<string, string>): StartedExample {
  const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, env);
  try {
    const started = startExample(main, args);
    children.push(started.child);
    return started;
  } finally {
    for (const v of VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
  }
}

const line = (lines: string[], prefix: string): string => {
  const found = lines.find((l) => l.startsWith(prefix));
  if (found === undefined) throw new Error(`no line starting with ${prefix}:\n${lines.join("\n")}`);
  return found;
};

/** area -> the outcome printed on its `target` line. */
const targets = (lines: string[]): Map<string, string> =>
  new Map(
    lines
      .map((l) => /^target (\w+): (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );

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

describe("examples/index-cache", () => {
  it("loads eight targets in parallel (one corrupt, one missing, one hung), refreshes on the timer, closes on SIGTERM and warm-loads the commits on the next start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-"));
    dirs.push(dir);

    const first = start(["--dir", dir, "--hung-target"], {
      INDEX_CACHE_REFRESH_MS: "50",
      INDEX_CACHE_LOAD_TIMEOUT_MS: "400",
      // Empty means unset: the default applies, it never becomes 0.
      INDEX_CACHE_CLOSE_TIMEOUT_MS: "",
    });
    // Wait until the refresh timer reached the hung area (its sixth tick), then stop the daemon
    // as a supervisor would.
    await first.waitFor(/^refresh zeta: seq=\d+ revision=1$/, 20_000);
    first.child.kill("SIGTERM");
    expect(await first.exit(10_000)).toBe(0);
    const out = first.lines;

    // The effective overrides, printed once each, and nothing for the empty variable.
    expect(out.filter((l) => l.startsWith("override"))).toEqual([
      "override: INDEX_CACHE_REFRESH_MS=50 -> refreshMs = 50",
      "override: INDEX_CACHE_LOAD_TIMEOUT_MS=400 -> loadTimeoutMs = 400",
    ]);
    expect(line(out, "ready: ")).toBe("ready: refreshMs=50 loadTimeoutMs=400");
    expect(loadReport(out)).toEqual({ source: "empty", snapshotSeq: 0, replayed: 0, seq: 0 });

    // Eight target lines: the corrupt one quarantined and rebuilt, the missing one built, the hung
    // one timed out on its own deadline, every other one loaded from its file.
    const first8 = targets(out);
    expect([...first8.keys()]).toEqual([
      "alpha",
      "beta",
      "gamma",
      "delta",
      "epsilon",
      "zeta",
      "eta",
      "theta",
    ]);
    expect(first8.get("gamma")).toMatch(
      /^ERR_CORRUPT quarantined=indexes\/gamma\.json\.corrupt-\d+ -> rebuilt files=\d+$/,
    );
    expect(first8.get("delta")).toMatch(/^ERR_NOT_FOUND -> rebuilt files=\d+$/);
    expect(first8.get("zeta")).toBe("ERR_TIMEOUT -> not cached");
    const ok = [...first8].filter(([, outcome]) => outcome.startsWith("ok source=primary"));
    expect(ok.map(([area]) => area)).toEqual(["alpha", "beta", "epsilon", "eta", "theta"]);
    // The quarantined bytes are kept aside, not deleted.
    const indexFiles = await readdir(join(dir, "data", "indexes"));
    expect(indexFiles.filter((f) => f.startsWith("gamma.json.corrupt-"))).toHaveLength(1);

    // The startup commit, then refresh commits with continuous seqs.
    expect(line(out, "commit startup: ")).toBe("commit startup: seq=1");
    const refreshSeqs = out
      .map((l) => /^refresh \w+: seq=(\d+) /.exec(l)?.[1])
      .filter((s) => s !== undefined)
      .map(Number);
    expect(refreshSeqs.length).toBeGreaterThanOrEqual(6);
    expect(refreshSeqs).toEqual(refreshSeqs.map((_, i) => 2 + i));
    const lastSeq = refreshSeqs.at(-1) as number;
    expect(line(out, "close: ")).toMatch(
      new RegExp(`^close: outcome=clean committedSeq=${lastSeq} durableSeq=${lastSeq} unsaved=0 `),
    );

    // Second start: the journal replayed, every commit of the first run there.
    const second = start(["--dir", dir], {});
    await second.waitFor(/^ready: /, 20_000);
    second.child.kill("SIGTERM");
    expect(await second.exit(10_000)).toBe(0);
    expect(second.lines).toContain("overrides: none");
    expect(loadReport(second.lines)).toEqual({
      source: "journal",
      snapshotSeq: 0,
      replayed: lastSeq,
      seq: lastSeq,
    });
    // Eight areas: seven from the startup commit, the timed-out one from its refresh.
    expect(line(second.lines, "cache: ")).toBe(
      `cache: areas=8 refreshes=${refreshSeqs.length} seq=${lastSeq}`,
    );
    // The rebuilt indexes were saved: all eight load from their files now.
    const second8 = [...targets(second.lines).values()];
    expect(second8).toHaveLength(8);
    for (const outcome of second8) expect(outcome).toMatch(/^ok source=primary /);
    expect(line(second.lines, "commit startup: ")).toBe(`commit startup: seq=${lastSeq + 1}`);
    expect(line(second.lines, "close: ")).toMatch(/^close: outcome=clean /);
  });

  it("closes cleanly on a signal during the start-up load, and a second signal does not cut a close short", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-signal-"));
    dirs.push(dir);
    // A load deadline of ten minutes: the hung target holds the start-up until the signal comes.
    // Durations past their maximum are clamped (a refresh interval past 2^31 - 1 ms would make
    // Node's timer fire every 1 ms).
    const first = start(["--dir", dir, "--hung-target"], {
      INDEX_CACHE_REFRESH_MS: "2147483648",
      INDEX_CACHE_LOAD_TIMEOUT_MS: "600000",
    });
    await first.waitFor(/^loading 8 targets$/, 20_000);
    // zeta's read never returns: the signal comes while the start-up waits for it.
    first.child.kill("SIGTERM");
    expect(await first.exit(10_000)).toBe(0);
    expect(first.lines.filter((l) => l.startsWith("override"))).toEqual([
      "override: INDEX_CACHE_REFRESH_MS=2147483648 -> refreshMs = 86400000 (clamped)",
      "override: INDEX_CACHE_LOAD_TIMEOUT_MS=600000 -> loadTimeoutMs = 600000",
    ]);
    expect(first.lines).toContain("signal: SIGTERM");
    expect(targets(first.lines).get("zeta")).toBe("ERR_ABORTED -> not cached");
    // What loaded before the signal is committed (nothing, if it came before any read finished).
    expect(first.lines.some((l) => l.startsWith("ready: "))).toBe(false);
    const closed = /^close: outcome=clean committedSeq=(\d+) durableSeq=\1 /.exec(
      line(first.lines, "close: "),
    );
    expect(closed).not.toBeNull();
    const firstSeq = Number(closed?.[1]);

    // A refresh on a slow mount is in flight when the first SIGTERM comes; a second one while the
    // daemon waits for it is logged, and the refresh still commits before the clean close.
    const second = start(["--dir", dir, "--slow-refresh-ms", "2000"], {
      INDEX_CACHE_REFRESH_MS: "10",
    });
    await second.waitFor(/^refresh alpha: slow mount, writing takes 2000 ms$/, 20_000);
    second.child.kill("SIGTERM");
    const signalled = await second.waitFor(/^signal: SIGTERM$/, 5_000);
    second.child.kill("SIGTERM");
    await second.waitFor(
      /^signal: SIGTERM again: still closing \(close deadline 5000 ms\)$/,
      5_000,
    );
    expect(await second.exit(10_000)).toBe(0);
    const after = second.lines.slice(second.lines.indexOf(signalled));
    // After the start-up commit (all eight load now), the refresh's commit.
    const refreshSeq = firstSeq + 2;
    expect(after.find((l) => l.startsWith("refresh alpha: "))).toBe(
      `refresh alpha: seq=${refreshSeq} revision=2`,
    );
    expect(line(after, "close: ")).toMatch(
      new RegExp(`^close: outcome=clean committedSeq=${refreshSeq} durableSeq=${refreshSeq} `),
    );
    // Only the one refresh in flight ran: ticks during it were skipped, not queued.
    expect(second.lines.filter((l) => / slow mount, /.test(l))).toHaveLength(1);
  });

  it("refuses a bad environment value with exit code 2 and names the variable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-bad-"));
    dirs.push(dir);
    const started = start(["--dir", dir], { INDEX_CACHE_REFRESH_MS: "10s" });
    let stderr = "";
    started.child.stderr?.on("data", (text: string) => {
      stderr += text;
    });
    expect(await started.exit(10_000)).toBe(2);
    expect(stderr).toContain("INDEX_CACHE_REFRESH_MS");
    expect(stderr).toContain('"10s"');
    // Nothing was opened or written.
    expect(started.lines).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a second daemon on the same folder with ERR_LOCKED while the first keeps running", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-lock-"));
    dirs.push(dir);
    const first = start(["--dir", dir], { INDEX_CACHE_REFRESH_MS: "600000" });
    await first.waitFor(/^ready: /, 20_000);
    const second = start(["--dir", dir], {});
    expect(await second.exit(15_000)).toBe(1);
    expect(line(second.lines, "start-up failed: ")).toMatch(/^start-up failed: ERR_LOCKED /);
    expect(second.lines.some((l) => l.startsWith("commit startup: "))).toBe(false);
    first.child.kill("SIGTERM");
    expect(await first.exit(10_000)).toBe(0);
    expect(line(first.lines, "close: ")).toMatch(/^close: outcome=clean /);
  });

  it("stops a refresh stuck on the slow mount at half the close deadline and exits within it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-slow-"));
    dirs.push(dir);
    const run = start(["--dir", dir, "--slow-refresh-ms", "60000"], {
      INDEX_CACHE_REFRESH_MS: "10",
      INDEX_CACHE_CLOSE_TIMEOUT_MS: "1000",
    });
    await run.waitFor(/^refresh alpha: slow mount, writing takes 60000 ms$/, 20_000);
    run.child.kill("SIGTERM");
    // A sleep nobody can cancel would hold the process for the rest of its 60 s.
    expect(await run.exit(8_000)).toBe(0);
    expect(run.lines).toContain(
      "shutdown: the refresh in flight outlasted 500 ms; stopping it and closing",
    );
    expect(run.lines).toContain("refresh alpha: stopped by the shutdown");
    expect(line(run.lines, "close: ")).toMatch(/^close: outcome=clean /);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--slow-refresh-ms", "-5"], "argument is ambiguous"],
    [
      ["--slow-refresh-ms", "abc"],
      '--slow-refresh-ms must be a whole number of ms up to 600000, got "abc"',
    ],
    [
      ["--slow-refresh-ms=-5"],
      '--slow-refresh-ms must be a whole number of ms up to 600000, got "-5"',
    ],
    [
      ["--slow-refresh-ms", "4294967297"],
      '--slow-refresh-ms must be a whole number of ms up to 600000, got "4294967297"',
    ],
  ])("answers %j with one line, the usage and exit code 2", async (args, problem) => {
    const dir = await mkdtemp(join(tmpdir(), "example-index-cache-usage-"));
    dirs.push(dir);
    const started = start(["--dir", dir, ...args], {});
    let stderr = "";
    started.child.stderr?.on("data", (text: string) => {
      stderr += text;
    });
    expect(await started.exit(10_000)).toBe(2);
    const [first, usage, ...rest] = stderr.split("\n");
    expect(first).toMatch(/^index-cache: /);
    expect(first).toContain(problem);
    expect(usage).toMatch(/^usage: /);
    expect(rest.join("")).toBe("");
    expect(await readdir(dir)).toEqual([]);
  });
});
