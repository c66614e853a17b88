import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPersistenceWriter, type WriteResult } from "@snapwrite/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkerReplica } from "../src/index.js";

// The fixture runs in worker threads and imports the built packages: `npx turbo run build
// --filter=@snapwrite/executor-worker...` before running these tests (turbo's test task does).
const FIXTURE = new URL("./fixtures/midwrite-replica-worker.mjs", import.meta.url);
const MIB = 1 << 20;
const DEADLINE_MS = 30_000;

interface MidwritePatch {
  readonly fill?: number;
  readonly mib?: number;
  readonly die?: "no" | "exit" | "oom";
}

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-worker-temps-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

const tempsIn = (names: readonly string[]) => names.filter((name) => name.endsWith(".tmp"));

/** Whether `bytes` are `mib` MiB of the byte `fill`. */
function holds(bytes: Uint8Array, fill: number, mib: number): boolean {
  return bytes.byteLength === mib * MIB && bytes.every((byte) => byte === fill);
}

/** Polls `done` every 10 ms; fails at the deadline. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${DEADLINE_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Samples the directory every few ms until stopped; `max` is the most temp files seen at once. */
function sampleTemps(): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, tempsIn(await readdir(dir)).length);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** What the directory held when a write attempt failed. */
interface AtFailure {
  readonly reason: unknown;
  readonly temps: readonly string[];
  readonly targetIntact: boolean;
}

describe("a replica worker that dies in the middle of a write", () => {
  it.each([
    { die: "exit", deaths: 5 },
    { die: "oom", deaths: 2 },
  ] as const)(
    "($die) leaves at most one temp file, the latest dead worker's, and the target intact",
    async ({ die, deaths }) => {
      const model = { fill: 0x41, mib: 4 };
      let deathsLeft = 0;
      const replica = createWorkerReplica<MidwritePatch, { dir: string }>({
        module: FIXTURE,
        options: { dir },
        resourceLimits: die === "oom" ? { maxOldGenerationSizeMb: 32 } : undefined,
        resync(fresh) {
          fresh.patch({ ...model, die: deathsLeft > 0 ? die : "no" });
          deathsLeft--;
        },
      });
      cleanups.push(() => replica.close({ timeoutMs: 0 }));
      const results: WriteResult[] = [];
      const failures: AtFailure[] = [];
      const writer = createPersistenceWriter({
        retry: { initialMs: 5, maxMs: 20, jitter: 0 },
        onResult(result) {
          results.push(result);
          if (result.ok) return;
          // Before the retry starts the next worker: what the dead one left.
          const names = readdirSync(dir);
          failures.push({
            reason: result.error.details?.reason,
            temps: tempsIn(names),
            targetIntact: holds(readFileSync(join(dir, "big.bin")), 0x41, 4),
          });
        },
      });
      cleanups.push(() => writer.close({ timeoutMs: 1000 }));
      const known = writer.register("big.bin", { runner: replica, debounceMs: 0 });
      replica.patch({ ...model, die: "no" });
      expect((await known.saveNow("first")).ok).toBe(true);

      const sampler = sampleTemps();
      model.fill = 0x42;
      deathsLeft = deaths - 1;
      replica.patch({ fill: model.fill, die });
      known.request("second", { urgency: "immediate" });
      await until(
        () => results.some((r) => r.ok && r.generation === 2),
        "the write after the deaths",
      );
      const maxTemps = await sampler.stop();

      expect(failures).toHaveLength(deaths);
      for (const failure of failures) {
        expect(failure).toMatchObject({ reason: "worker-exit", targetIntact: true });
        expect(failure.temps).toHaveLength(1);
      }
      // Each one the file of a new dead worker: the previous one's was swept before it wrote.
      expect(new Set(failures.map((failure) => failure.temps[0])).size).toBe(deaths);
      expect(maxTemps).toBeLessThanOrEqual(1);
      expect(replica.stats).toMatchObject({ spawns: deaths + 1, resyncs: deaths, alive: true });
      expect(await readdir(dir)).toEqual(["big.bin"]);
      expect(holds(await readFile(join(dir, "big.bin")), 0x42, 4)).toBe(true);
    },
  );
});
