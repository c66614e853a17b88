import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openDurableStore } from "../src/index.js";
import { type AddOp, addOpsCodec, applyAdds, type Counters, countersCodec } from "./counters.js";

const COMMITTER = fileURLToPath(new URL("./fixtures/committer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const KILLS = 200;
const INFLIGHT = 4;
const COMPACT_EVERY = 16;
const CHILD_TIMEOUT_MS = 10_000;

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The `*.unused-*` files under `dir` (journal segments moved aside) that are zero bytes long. */
async function zeroByteUnused(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.includes(".unused-")) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).size === 0) found.push(path);
  }
  return found;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Opened = {
  seq: number;
  value: Counters;
  quarantined: readonly string[];
  removedEmpty: readonly string[];
};
type Round = { opened: Opened; acks: Map<number, { seq: number; commands: number }> };

/**
 * Runs one committer on `dir` and SIGKILLs it `delayMs` after it reports the store open (or at the
 * hard timeout, which fails the test). Resolves with what its open found and its acknowledgements.
 */
function killedCommitter(dir: string, round: number, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [COMMITTER, DIST, dir, String(round), String(INFLIGHT), String(COMPACT_EVERY)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    let armed = false;
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CHILD_TIMEOUT_MS);
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!armed && stdout.includes("\n")) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      const open = /^open (.*)\n/m.exec(stdout);
      if (signal !== "SIGKILL" || timedOut || open === null) {
        const why = timedOut ? "timed out" : `exit ${code}/${signal}`;
        reject(new Error(`committer ${round} was not killed after its open (${why}): ${stderr}`));
        return;
      }
      const acks: Round["acks"] = new Map();
      // Only whole lines count: a kill may cut the last one.
      for (const m of stdout.matchAll(/^ack (\d+) (\d+) (\d+)\n/gm)) {
        const i = Number(m[1]);
        if (acks.has(i)) {
          reject(new Error(`commit ${i} of round ${round} acknowledged twice`));
          return;
        }
        acks.set(i, { seq: Number(m[2]), commands: Number(m[3]) });
      }
      resolve({ opened: JSON.parse(open[1] as string) as Opened, acks });
    });
  });
}

describe("SIGKILL during commits", () => {
  it.skipIf(!existsSync(DIST))(
    `${KILLS} kills of a committing process lose no acknowledged commit and apply none twice`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "snapwrite-store-kill-"));
      made.push(dir);
      const random = mulberry(12);
      let expected: Record<string, number> = {};
      let seq = 0; // where the commits of every round before `last` end
      let last: { round: number; acks: Round["acks"] } | undefined;
      let kills = 0;
      let acked = 0;
      let largestGroup = 0;

      // What a reopen found after the kill of round `last`: every earlier round unchanged, then a
      // prefix 0..m-1 of `last`'s commits (one seq each) holding every acknowledged one, each once.
      const check = (opened: Opened, when: string) => {
        const snapshotsAside = opened.quarantined.filter((name) => name.includes(".snap."));
        // A segment whose header a kill tore is moved aside (the journal's repair); a snapshot,
        // written atomically, never is.
        expect(snapshotsAside, `${when}: quarantined snapshots`).toEqual([]);
        const m = opened.seq - seq;
        expect(m, `${when}: seq went back from ${seq}`).toBeGreaterThanOrEqual(0);
        if (last !== undefined) {
          for (const [i, ack] of last.acks) {
            expect(ack.seq, `${when}: seq of acknowledged commit ${i}`).toBe(seq + i + 1);
            expect(i, `${when}: acknowledged commit ${i} lost (${m} survived)`).toBeLessThan(m);
          }
          if (m > 0) {
            const r = last.round;
            expect(r, `${when}: seq ran ahead without a round`).toBeGreaterThanOrEqual(0);
            expected = { ...expected, [`n${r}`]: m, [`s${r}`]: (m * (m + 1)) / 2 };
          }
        } else {
          expect(m, `${when}: seq of a new store`).toBe(0);
        }
        expect(opened.value, `${when}: state`).toEqual(expected);
        seq = opened.seq;
      };

      for (let round = 0; round < KILLS; round++) {
        const result = await killedCommitter(dir, round, Math.floor(random() * 20));
        kills++;
        check(result.opened, `reopen before round ${round}`);
        // What a kill mid-roll leaves empty is deleted by the next open, never moved aside.
        for (const name of result.opened.removedEmpty) {
          expect(name, `round ${round}: removed`).toMatch(/\.wal\.[0-9a-f]{16}-[0-9a-f]{4}$/);
        }
        expect(await zeroByteUnused(dir), `after the open of round ${round}`).toEqual([]);
        last = { round, acks: result.acks };
        acked += result.acks.size;
        for (const ack of result.acks.values()) largestGroup = Math.max(largestGroup, ack.commands);
      }
      expect(kills).toBeGreaterThanOrEqual(200);
      // Commits were acknowledged in a fair share of rounds, and concurrent ones formed groups.
      expect(acked).toBeGreaterThan(KILLS);
      expect(largestGroup).toBeGreaterThan(1);

      // The final open, in this process from the sources, finds the last round's commits too.
      const { store, load } = await openDurableStore<Counters, AddOp>({
        dir,
        codec: countersCodec,
        ops: addOpsCodec,
        apply: applyAdds,
        empty: () => Object.freeze({}),
        compaction: false,
        maxSegmentBytes: 2048,
      });
      check(
        { ...store.read(), quarantined: load.quarantined, removedEmpty: load.removedEmpty },
        "final open",
      );
      expect(await zeroByteUnused(dir), "after the final open").toEqual([]);
      expect((await store.close()).ok).toBe(true);
    },
    120_000,
  );
});
