import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockFile } from "@snapwrite/sink-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCli, type Run } from "./cli.js";

let root: string;
let dir: string;
let dirs = 0;
const { cli, show } = createCli(() => dir);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "cli-transcript-manifest-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Each test gets a fresh state directory. */
async function freshDir(): Promise<string> {
  dir = join(root, `state-${dirs++}`);
  await mkdir(dir);
  return dir;
}

async function readManifest(): Promise<{ contexts: Record<string, Record<string, unknown>> }> {
  return JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
}

/** Exit 3 with the seqs on stdout and one line on stderr: appended, the manifest not updated. */
function expectAppendedOnly(run: Run, done: string, error: RegExp): void {
  expect(run.code, run.stderr).toBe(3);
  expect(run.stdout).toBe(`${done}\n`);
  const lines = run.stderr.split("\n").filter((line) => line !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cli-transcript: .*, but the manifest was not updated: /);
  expect(lines[0]).toContain(`cli-transcript: ${done}, but the manifest was not updated: `);
  expect(lines[0]).toMatch(error);
}

describe("the manifest", () => {
  it("records contexts named like Object.prototype keys (constructor, toString, ...)", async () => {
    await freshDir();
    const names = ["constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"];
    for (const name of names) {
      for (const text of ["one", "two"]) {
        const run = await cli(["append", name, text]);
        expect(run.code, run.stderr).toBe(0);
      }
    }
    const { contexts } = await readManifest();
    expect(Object.keys(contexts).sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(contexts[name], name).toMatchObject({ count: 2, lastSeq: 2, rotations: 0 });
    }
    const rotated = await cli(["rotate", "constructor"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((await readManifest()).contexts.constructor).toMatchObject({ count: 2, rotations: 1 });
  });

  it("of a wrong shape is ERR_CORRUPT naming the file and what is wrong, and is never rewritten", async () => {
    const cases: [manifest: string, problem: string][] = [
      ['{"version":1,"contexts":[]}', "contexts is no object"],
      ['{"version":1}', "contexts is no object"],
      ['{"version":1,"contexts":{"chat":5}}', 'contexts["chat"] is no object'],
      [
        '{"version":1,"contexts":{"chat":{"count":"3","lastSeq":3}}}',
        'contexts["chat"].count is "3", not a whole number ≥ 0',
      ],
      [
        '{"version":1,"contexts":{"chat":{"count":3}}}',
        'contexts["chat"].lastSeq is missing, not a whole number ≥ 0',
      ],
      [
        '{"version":1,"contexts":{"chat":{"count":1,"lastSeq":1,"rotations":-1}}}',
        'contexts["chat"].rotations is -1, not a whole number ≥ 0',
      ],
      [
        '{"version":1,"contexts":{"chat":{"count":1,"lastSeq":1,"createdAt":5}}}',
        'contexts["chat"].createdAt is no time',
      ],
      ['{"version":2,"contexts":{}}', "version is 2, not 1"],
      ["[]", "it is no JSON object"],
    ];
    await freshDir();
    const path = join(dir, "manifest.json");
    let seq = 0;
    for (const [manifest, problem] of cases) {
      await writeFile(path, manifest);
      const run = await cli(["append", "chat", `line ${seq + 1}`]);
      seq += 1;
      const message = `ERR_CORRUPT: the manifest ${path} is not a transcript manifest: ${problem}`;
      expectAppendedOnly(run, `appended #${seq} to chat`, new RegExp(`${literal(message)}$`));
      expect(await readFile(path, "utf8"), manifest).toBe(manifest);
    }
    const rotated = await cli(["rotate", "chat"]);
    expect(rotated.code, rotated.stderr).toBe(3);
    expect(rotated.stderr).toMatch(
      /^cli-transcript: rotated chat, but the manifest was not updated: ERR_CORRUPT: /,
    );
    // Every append did land, once.
    const { lines } = await show("chat");
    expect(lines.map((line) => line.seq)).toEqual(cases.map((_, i) => i + 1));
  });

  it("that is not JSON is reported and left as it is; the line is in the log (exit 3)", async () => {
    await freshDir();
    const ok = await cli(["append", "manifest", "first"]);
    expect(ok.code, ok.stderr).toBe(0);
    const manifestPath = join(dir, "manifest.json");
    await writeFile(manifestPath, "{ not json");
    const run = await cli(["append", "manifest", "kept anyway"]);
    expectAppendedOnly(
      run,
      "appended #2 to manifest",
      /ERR_CORRUPT: the manifest .* is not valid JSON$/,
    );
    expect(await readFile(manifestPath, "utf8")).toBe("{ not json");
    const { lines } = await show("manifest");
    expect(lines).toEqual([
      { seq: 1, text: "first" },
      { seq: 2, text: "kept anyway" },
    ]);
  });

  it("or its lock being a directory is exit 3 after the append, with the code printed once", async () => {
    await freshDir();
    await mkdir(join(dir, "manifest.json"));
    const first = await cli(["append", "chat", "a"]);
    expectAppendedOnly(first, "appended #1 to chat", /: ERR_INVALID_TARGET: .*manifest\.json/);
    expect(first.stderr).not.toMatch(/ERR_INVALID_TARGET.*ERR_INVALID_TARGET/);
    await rm(join(dir, "manifest.json"), { recursive: true });
    await mkdir(join(dir, ".manifest.json.lock"));
    const second = await cli(["append", "chat", "b"]);
    expectAppendedOnly(
      second,
      "appended #2 to chat",
      /ERR_INVALID_TARGET: .*\.manifest\.json\.lock/,
    );
    expect(second.stderr).not.toMatch(/ERR_INVALID_TARGET.*ERR_INVALID_TARGET/);
    const { lines } = await show("chat");
    expect(lines.map((line) => line.text)).toEqual(["a", "b"]);
  });
});

describe("the locks", () => {
  it("the transcript's and the manifest's are waited for as long as --lock-wait says", async () => {
    await freshDir();
    const first = await cli(["append", "chat", "a"]);
    expect(first.code, first.stderr).toBe(0);
    // Held by this process (alive, so never broken as abandoned): the CLI gives up after 200 ms.
    const transcript = await lockFile(join(dir, "chat", "transcript.jsonl"), { waitMs: 0 });
    let held: Run;
    try {
      held = await cli(["--lock-wait", "200", "append", "chat", "b"]);
    } finally {
      await transcript.release();
    }
    expect(held.code, held.stderr).toBe(1);
    expect(held.stdout).toBe("");
    expect(held.stderr).toMatch(/^cli-transcript: ERR_LOCKED: .*transcript\.jsonl.* gave up after/);

    const manifest = await lockFile(join(dir, "manifest.json"), { waitMs: 0 });
    let late: Run;
    try {
      late = await cli(["--lock-wait", "200", "append", "chat", "c"]);
    } finally {
      await manifest.release();
    }
    expectAppendedOnly(late, "appended #2 to chat", /ERR_LOCKED: .*manifest\.json.* gave up after/);
    const { lines } = await show("chat");
    expect(lines.map((line) => line.text)).toEqual(["a", "c"]);
    expect((await readManifest()).contexts.chat).toMatchObject({ count: 1, lastSeq: 1 });
  });

  it("--lock-wait takes whole ms in 0..2^31 − 1; anything else is bad usage", async () => {
    await freshDir();
    for (const value of ["-1", "1.5", "5x", "", "2147483648"]) {
      const run = await cli([`--lock-wait=${value}`, "append", "chat", "x"]);
      expect(run.code, value).toBe(2);
      expect(run.stderr).toContain(`--lock-wait must be a whole number in 0..2147483647`);
    }
    const ok = await cli(["--lock-wait", "0", "append", "chat", "x"]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
