// An owner whose sink lives in a worker replica (`@snapwrite/executor-worker`), as the README's
// "Keeping the owner thread free" suggests. Every new worker runs `createSink` again: a sink
// opened without `epoch` draws a newer epoch, so an owner fenced off by a newer one would take
// the target back after its worker crashed. With one epoch drawn on the owner
// (`drawPostgresEpoch`) and passed to every worker, it stays fenced off.
import { fileURLToPath } from "node:url";
import { createPersistenceWriter, type WriteResult } from "@snapwrite/core";
import { createWorkerReplica } from "@snapwrite/executor-worker";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import { afterAll, describe, expect, it } from "vitest";
import { drawPostgresEpoch, openPostgresSink } from "../src/index.js";

const server = await serverForThisFile();
const WORKER = new URL("./fixtures/epoch-replica-worker.mjs", import.meta.url);
const text = (s: string) => new TextEncoder().encode(s);
const decoded = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** Resolves once `check` holds, or rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (server !== undefined) {
  describe("an owner writing through a worker replica", () => {
    const closers: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    });

    it("draws one epoch per owner: after a worker crash it stays fenced off by a newer owner", async () => {
      expect(fileURLToPath(WORKER)).toMatch(/epoch-replica-worker\.mjs$/);
      const url = server.url;
      const epoch = await drawPostgresEpoch({ connectionString: url });
      let stateA = text("A-1");
      const replica = createWorkerReplica<
        { op: "set"; payload: Uint8Array } | { op: "exit" },
        { url: string; epoch: number }
      >({
        module: WORKER,
        options: { url, epoch },
        resync: (fresh) => fresh.patch({ op: "set", payload: stateA }),
      });
      replica.patch({ op: "set", payload: stateA });
      const results: WriteResult[] = [];
      const writer = createPersistenceWriter({
        retry: { initialMs: 20, maxMs: 100 },
        onResult: (r) => results.push(r),
      });
      closers.push(() => writer.close({ timeoutMs: 5_000 }));
      const a = writer.register("worker-epoch", { runner: replica, debounceMs: 0, maxDelayMs: 0 });
      const first = await a.saveNow("A first save");
      expect(first.ok).toBe(true);

      // B takes over: its sink draws a newer epoch and writes generation 1.
      const sinkB = await openPostgresSink({ connectionString: url });
      closers.push(() => sinkB.close());
      expect(sinkB.epoch).toBeGreaterThan(epoch);
      await sinkB.write("worker-epoch", [text("B-1")], { generation: 1 });

      // A's worker crashes, and A saves again: the new worker opens with A's epoch, not a new one.
      replica.patch({ op: "exit" });
      stateA = text("A-2, after the crash");
      replica.patch({ op: "set", payload: stateA });
      a.request("A after the crash");
      await until(
        () => results.some((r) => !r.ok && r.error.code === "ERR_STALE"),
        30_000,
        "A's save to be refused ERR_STALE",
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(replica.stats.spawns).toBeGreaterThanOrEqual(2);
      expect(decoded(await sinkB.read("worker-epoch"))).toBe("B-1");
      // B goes on writing: it was never fenced off.
      await sinkB.write("worker-epoch", [text("B-2")], { generation: 2 });
      expect(decoded(await sinkB.read("worker-epoch"))).toBe("B-2");
    }, 60_000);

    it("draws increasing epochs, and refuses an epoch of its own", async () => {
      const one = await drawPostgresEpoch({ connectionString: server.url });
      const two = await drawPostgresEpoch({ connectionString: server.url });
      expect(two).toBeGreaterThan(one);
      await expect(
        drawPostgresEpoch({ connectionString: server.url, epoch: 5 } as never),
      ).rejects.toThrow(/drawPostgresEpoch: leave epoch out/);
      await expect(drawPostgresEpoch({} as never)).rejects.toThrow(TypeError);
    });
  });
}
