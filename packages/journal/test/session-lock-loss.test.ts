import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineChild } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { readAppendLog } from "../src/index.js";

const HOLDER = fileURLToPath(new URL("./fixtures/session-holder.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
/** Small, so that the frozen holder's lock is broken soon; the heartbeat runs every third of it. */
const STALE_MS = 800;

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function logPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-session-loss-"));
  made.push(dir);
  return join(dir, "events.jsonl");
}

/** Sends `names` as appends and resolves their result lines. */
async function append(child: LineChild, names: readonly string[]): Promise<string[]> {
  for (const name of names) child.send(`append ${name}`);
  return child.take(names.length);
}

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

const oks = (names: readonly string[], firstSeq: number): string[] =>
  names.map((name, i) => `ok ${name} ${firstSeq + i}`);

describe('an append log (lock "session") whose lock was broken while its process was frozen', () => {
  it("refuses every append after it resumes (ERR_LOCKED, lost, committed false); the new holder's lines all survive", async () => {
    const path = await logPath();
    const a = new LineChild(HOLDER, [DIST, path, String(STALE_MS)]);
    let b: LineChild | undefined;
    try {
      expect(await a.take(1)).toEqual(["open"]);
      expect(await append(a, range("a", 0, 5))).toEqual(oks(range("a", 0, 5), 1));

      // Frozen while idle, past staleMs: the next holder breaks its lock and opens.
      a.process.kill("SIGSTOP");
      // Queued while it is frozen: run the moment it resumes.
      for (const name of range("late", 0, 3)) a.send(`append ${name}`);
      b = new LineChild(HOLDER, [DIST, path, String(STALE_MS)]);
      expect(await b.take(1, 20_000)).toEqual(["open"]);
      expect(await append(b, range("b", 0, 5))).toEqual(oks(range("b", 0, 5), 6));

      a.process.kill("SIGCONT");
      expect(await a.take(3)).toEqual(
        range("late", 0, 3).map((n) => `fail ${n} ERR_LOCKED false lost`),
      );
      expect(await append(b, range("b", 5, 10))).toEqual(oks(range("b", 5, 10), 11));
      // Still refused later on; closing works (and leaves the new holder's lock alone).
      expect(await append(a, ["later"])).toEqual(["fail later ERR_LOCKED false lost"]);
      a.send("close");
      expect(await a.take(1)).toEqual(["closed true"]);
      expect(await append(b, ["b10"])).toEqual(oks(["b10"], 16));
      b.send("close");
      expect(await b.take(1)).toEqual(["closed true"]);
    } finally {
      a.kill();
      b?.kill();
    }

    const read: unknown[] = [];
    for await (const entry of readAppendLog({ path })) read.push(entry);
    const names = [...range("a", 0, 5), ...range("b", 0, 11)];
    expect(read).toEqual(
      names.map((name, i) => expect.objectContaining({ seq: i + 1, value: { name } })),
    );
  });
});
