import { execFileSync } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCli, type Run, range } from "./cli.js";

let dir: string;
const { cli, show } = createCli(() => dir);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-transcript-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cli-transcript", () => {
  it("appends and shows a transcript", async () => {
    const first = await cli(["append", "roundtrip", "hello", "a line with  spaces and ünïcode"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("appended #1..#2 to roundtrip");
    const second = await cli(["append", "roundtrip", "third"]);
    expect(second.code, second.stderr).toBe(0);
    const { lines } = await show("roundtrip");
    expect(lines).toEqual([
      { seq: 1, text: "hello" },
      { seq: 2, text: "a line with  spaces and ünïcode" },
      { seq: 3, text: "third" },
    ]);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest.contexts.roundtrip).toMatchObject({ count: 3, lastSeq: 3 });
  });

  it("keeps every line of 3 concurrent invocation streams × 50 appends, rotating as it goes", async () => {
    const streams = 3;
    const invocations = 10;
    const perInvocation = 5;
    // Three streams run at the same time, each a sequence of 10 invocations of 5 texts: at any
    // moment three processes append to the same context, and the small --max-bytes makes them
    // rotate the active file under each other.
    const runs = await Promise.all(
      range(0, streams - 1).map(async (s) => {
        const out: Run[] = [];
        for (let i = 0; i < invocations; i++) {
          const texts = range(0, perInvocation - 1).map((k) => `s${s}-i${i}-k${k}`);
          out.push(await cli(["--max-bytes", "2048", "append", "busy", ...texts]));
        }
        return out;
      }),
    );
    for (const run of runs.flat()) expect(run.code, run.stderr).toBe(0);

    const { lines } = await show("busy");
    const total = streams * invocations * perInvocation;
    expect(lines).toHaveLength(total);
    expect(lines.map((l) => l.seq)).toEqual(range(1, total));
    expect(new Set(lines.map((l) => l.text)).size).toBe(total);
    // The texts of one invocation are one batch: contiguous and in order.
    for (let at = 0; at < total; at += perInvocation) {
      const prefix = (lines[at]?.text ?? "").replace(/k\d+$/, "");
      expect(lines.slice(at, at + perInvocation).map((l) => l.text)).toEqual(
        range(0, perInvocation - 1).map((k) => `${prefix}k${k}`),
      );
    }
    // The streams ran at the same time: their batches interleave in the log.
    const streamOfBatch = range(0, total / perInvocation - 1).map((b) =>
      (lines[b * perInvocation]?.text ?? "").slice(0, 2),
    );
    const switches = streamOfBatch.filter((s, b) => b > 0 && s !== streamOfBatch[b - 1]).length;
    expect(switches).toBeGreaterThan(streams - 1);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest.contexts.busy).toMatchObject({ count: total, lastSeq: total });
    const rotated = (await readdir(join(dir, "busy"))).filter((f) =>
      /^transcript\.[0-9a-f]{16}\.jsonl$/.test(f),
    );
    expect(rotated.length).toBeGreaterThan(0);
  });

  it("rotates on request and by size without losing or renumbering lines", async () => {
    const append = async (texts: string[], extra: string[] = []) => {
      const run = await cli([...extra, "append", "rot", ...texts]);
      expect(run.code, run.stderr).toBe(0);
    };
    await append(["a1", "a2", "a3"]);
    const rotated = await cli(["rotate", "rot"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain("transcript.0000000000000001.jsonl");
    // Automatic rotation: every append finds the active file over 200 bytes.
    await append(["b1", "b2"], ["--max-bytes", "200"]);
    await append(["b3"], ["--max-bytes", "200"]);
    await append(["b4"], ["--max-bytes", "200"]);
    const again = await cli(["rotate", "rot"]);
    expect(again.code, again.stderr).toBe(0);
    const idle = await cli(["rotate", "rot"]);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stdout).toContain("nothing to rotate");
    await append(["c1"]);

    const { lines } = await show("rot");
    expect(lines).toEqual(
      ["a1", "a2", "a3", "b1", "b2", "b3", "b4", "c1"].map((text, i) => ({ seq: i + 1, text })),
    );
    const files = (await readdir(join(dir, "rot"))).filter((f) => f.startsWith("transcript."));
    expect(
      files.filter((f) => /^transcript\.[0-9a-f]{16}\.jsonl$/.test(f)).length,
    ).toBeGreaterThanOrEqual(3);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest.contexts.rot).toMatchObject({ count: 8, lastSeq: 8, rotations: 2 });
  });

  it("cuts a torn tail (a writer killed mid-append) aside before the next append", async () => {
    const first = await cli(["append", "torn", "before the crash", "still fine"]);
    expect(first.code, first.stderr).toBe(0);
    // What a writer killed in the middle of its write leaves: a line without its newline.
    const garbage = '{"seq":3,"value":{"at":"2026-01-01T00:00:00.000Z","te';
    const active = join(dir, "torn", "transcript.jsonl");
    await appendFile(active, garbage);

    const during = await show("torn");
    expect(during.lines.map((l) => l.text)).toEqual(["before the crash", "still fine"]);
    expect(during.run.stderr).toMatch(
      /transcript\.jsonl at byte \d+ \(\d+ bytes\): an unfinished line/,
    );

    const after = await cli(["append", "torn", "after the crash"]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toMatch(/repaired: cut \d+ torn bytes/);
    const { lines, run } = await show("torn");
    expect(lines).toEqual([
      { seq: 1, text: "before the crash" },
      { seq: 2, text: "still fine" },
      { seq: 3, text: "after the crash" },
    ]);
    expect(run.stderr).not.toContain("warning");
    const tornFiles = (await readdir(join(dir, "torn"))).filter((f) => f.includes(".torn-"));
    expect(tornFiles).toHaveLength(1);
    expect(await readFile(join(dir, "torn", tornFiles[0] as string), "utf8")).toBe(garbage);
  });

  it("answers bad usage with the usage text and exit code 2", async () => {
    for (const args of [
      [],
      ["append", "ctx"],
      ["frobnicate", "ctx"],
      ["show", "../escape"],
      ["show", "ctx", "extra"],
      ["--max-bytes", "lots", "append", "ctx", "x"],
      ["--no-such-flag", "show", "ctx"],
    ]) {
      const run = await cli(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain("usage: cli-transcript");
    }
    // Nothing was created for the refused calls.
    expect(await readdir(dir)).not.toContain("ctx");
  });

  it("reports persistence errors by code with exit code 1", async () => {
    const missing = await cli(["show", "never-written"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cli-transcript: ERR_NOT_FOUND: no transcript for context/);
  });

  it.skipIf(process.platform === "win32")(
    "refuses a FIFO in place of the manifest or a transcript at once (ERR_INVALID_TARGET)",
    async () => {
      const state = join(dir, "fifo-state");
      await mkdir(join(state, "chat"), { recursive: true });
      execFileSync("mkfifo", [join(state, "manifest.json")], { timeout: 5_000 });
      const appended = await cli(["--dir", state, "append", "other", "hi"], { withDir: false });
      // The line is in the log: exit 3, "appended, manifest not updated", so no retry doubles it.
      expect(appended.code, appended.stderr).toBe(3);
      expect(appended.stdout).toContain("appended #1 to other");
      expect(appended.stderr).toMatch(
        /^cli-transcript: appended #1 to other, but the manifest was not updated: ERR_INVALID_TARGET: .*manifest\.json/,
      );
      execFileSync("mkfifo", [join(state, "chat", "transcript.jsonl")], { timeout: 5_000 });
      for (const args of [
        ["show", "chat"],
        ["append", "chat", "hi"],
        ["rotate", "chat"],
      ]) {
        const run = await cli(["--dir", state, ...args], { withDir: false });
        expect(run.code, `${args[0]}: ${run.stderr}`).toBe(1);
        expect(run.stderr).toMatch(/cli-transcript: ERR_INVALID_TARGET: .*transcript\.jsonl/);
      }
    },
  );

  it("treats an empty TRANSCRIPTS_DIR as unset and refuses an empty --dir", async () => {
    const cwd = join(dir, "cwd");
    await mkdir(cwd);
    const run = await cli(["append", "envctx", "x"], {
      withDir: false,
      cwd,
      env: { TRANSCRIPTS_DIR: "" },
    });
    expect(run.code, run.stderr).toBe(0);
    // Not the current directory: the default ./.transcripts under it.
    expect((await readdir(cwd)).sort()).toEqual([".transcripts"]);
    expect((await readdir(join(cwd, ".transcripts"))).sort()).toEqual(["envctx", "manifest.json"]);
    const set = await cli(["append", "envctx", "y"], {
      withDir: false,
      cwd,
      env: { TRANSCRIPTS_DIR: join(dir, "from-env") },
    });
    expect(set.code, set.stderr).toBe(0);
    expect(await readdir(join(dir, "from-env"))).toContain("manifest.json");
    const empty = await cli(["--dir", "", "append", "envctx", "z"], { withDir: false, cwd });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--dir must not be empty");
    expect(empty.stderr).toContain("usage: cli-transcript");
    expect((await readdir(cwd)).sort()).toEqual([".transcripts"]);
  });

  it("show escapes control characters, so every record is exactly one unambiguous line", async () => {
    const texts = [
      "two\nlines",
      "     9  2026-01-01T00:00:00.000Z  forged",
      "tab\there",
      "back\\slash \\n (a backslash and an n)",
      "esc\u001b[31mred",
      "cr\rreturn",
      "bell\u0007 del\u007f c1\u0085 sep\u2028",
      "ünïcødé ✓ stays as it is",
    ];
    const run = await cli(["append", "escapes", ...texts]);
    expect(run.code, run.stderr).toBe(0);
    const { lines, run: shown } = await show("escapes");
    expect(shown.stdout.split("\n").filter((l) => l !== "")).toHaveLength(texts.length);
    expect(lines).toEqual(
      [
        "two\\nlines",
        "     9  2026-01-01T00:00:00.000Z  forged",
        "tab\\there",
        "back\\\\slash \\\\n (a backslash and an n)",
        "esc\\u001b[31mred",
        "cr\\rreturn",
        "bell\\u0007 del\\u007f c1\\u0085 sep\\u2028",
        "ünïcødé ✓ stays as it is",
      ].map((text, i) => ({ seq: i + 1, text })),
    );
    // Escaping is for the terminal only: the log keeps the texts as they were given.
    const stored = (await readFile(join(dir, "escapes", "transcript.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.startsWith('{"seq"'))
      .map((l) => JSON.parse(l).value.text);
    expect(stored).toEqual(texts);
  });
});
