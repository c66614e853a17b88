import * as nodeFs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FsPort } from "@snapwrite/core";
import { LineChild } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openCounters } from "./counters.js";
import { tempDirs } from "./wait-and-dirs.js";

const fs = nodeFs as unknown as FsPort;
const tempDir = tempDirs("store-lock-loss-");
const HOLDER = fileURLToPath(new URL("./fixtures/lock-holder.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const JOURNAL_DIST = fileURLToPath(new URL("../../journal/dist/index.js", import.meta.url));
/** Small, so that the frozen holder's lock is broken soon; the heartbeat runs every third of it. */
const STALE_MS = 800;

function holder(dir: string): LineChild {
  return new LineChild(HOLDER, [DIST, JOURNAL_DIST, dir, String(STALE_MS)]);
}

/** Sends `names` as commits and resolves their result lines. */
async function commit(child: LineChild, names: readonly string[]): Promise<string[]> {
  for (const name of names) child.send(`commit ${name}`);
  return child.take(names.length);
}

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

describe("a store whose lock was broken while its process was frozen", () => {
  it("refuses every commit after it resumes (ERR_LOCKED, lost, committed false); the new holder's commits all survive", async () => {
    const dir = await tempDir();
    const a = holder(dir);
    let b: LineChild | undefined;
    try {
      expect(await a.take(1)).toEqual(["open 0"]);
      expect(await commit(a, range("a", 0, 5))).toEqual(
        range("a", 0, 5).map((n, i) => `ok ${n} ${i + 1}`),
      );

      // Frozen while idle, past staleMs: the next holder breaks its lock and opens.
      a.process.kill("SIGSTOP");
      // Queued while it is frozen: run the moment it resumes.
      for (const name of range("late", 0, 3)) a.send(`commit ${name}`);
      b = holder(dir);
      expect(await b.take(1, 20_000)).toEqual(["open 5"]);
      expect(await commit(b, range("b", 0, 5))).toEqual(
        range("b", 0, 5).map((n, i) => `ok ${n} ${6 + i}`),
      );

      a.process.kill("SIGCONT");
      expect(await a.take(3)).toEqual(
        range("late", 0, 3).map((n) => `fail ${n} ERR_LOCKED false lost read-only`),
      );
      expect(await commit(b, range("b", 5, 10))).toEqual(
        range("b", 5, 10).map((n, i) => `ok ${n} ${11 + i}`),
      );
      // Still refused later on; closing works (and leaves the new holder's lock alone).
      expect(await commit(a, ["later"])).toEqual(["fail later ERR_LOCKED false lost read-only"]);
      a.send("close");
      expect(await a.take(1)).toEqual(["closed true"]);
      expect(await commit(b, ["b10"])).toEqual(["ok b10 16"]);
      b.send("close");
      expect(await b.take(1)).toEqual(["closed true"]);
    } finally {
      a.kill();
      b?.kill();
    }

    const reopened = await openCounters(fs, { dir, compaction: false });
    const expected: Record<string, number> = {};
    for (const name of [...range("a", 0, 5), ...range("b", 0, 11)]) expected[name] = 1;
    expect(reopened.store.read()).toEqual({ value: expected, seq: 16 });
    await reopened.store.close();
  });
});
