import { join } from "node:path";
import type { Codec, FsPort } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { createFsSink } from "@snapwrite/sink-fs";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it, vi } from "vitest";
import type { StoreReplica, StoreReplicaSeed, StoreReplicaSnapshot } from "../src/index.js";
import {
  type AddOp,
  add,
  addOpsCodec,
  applyAdds,
  type Counters,
  countersCodec,
  DIR,
  openCounters,
} from "./counters.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/**
 * A replica on the owner's thread, enough to watch the port: it keeps the batches since its base
 * snapshot and computes the state only when asked to write it.
 */
class FakeReplica implements StoreReplica {
  readonly calls: string[] = [];
  readonly committedPayloads: Uint8Array[] = [];
  failWrite: PersistenceError | undefined;
  /** When set, a snapshot write waits for it. */
  writeGate: Promise<void> | undefined;
  private base: string | undefined;
  private batches: Uint8Array[] = [];
  private held: Uint8Array[] | undefined;

  constructor(private readonly fs: FsPort) {}

  seed(seed: StoreReplicaSeed): void {
    this.calls.push(`seed ${seed.snapshot ?? "-"} ${seed.snapshotSeq}..${seed.seq}`);
    this.base = seed.snapshot;
    this.batches = [...seed.payloads];
  }

  committed(fromSeq: number, toSeq: number, payloads: readonly Uint8Array[]): void {
    this.calls.push(`committed ${fromSeq}-${toSeq}`);
    this.committedPayloads.push(...payloads);
    (this.held ?? this.batches).push(...payloads);
  }

  holdSnapshot(seq: number): StoreReplicaSnapshot {
    this.calls.push(`hold ${seq}`);
    const held: Uint8Array[] = [];
    this.held = held;
    return {
      write: async (target) => {
        await this.writeGate;
        this.calls.push(`write ${target}`);
        if (this.failWrite !== undefined) throw this.failWrite;
        let state: Counters = {};
        if (this.base !== undefined) {
          state = countersCodec.decode(await this.fs.readFile(join(DIR, this.base)));
        }
        for (const payload of this.batches) state = applyAdds(state, addOpsCodec.decode(payload));
        const sink = createFsSink({ dir: DIR, fs: this.fs });
        const written = await sink.write(target, countersCodec.encode(state), { generation: seq });
        this.base = target;
        this.batches = [];
        return written;
      },
      release: () => {
        if (this.held !== held) return;
        this.calls.push("release");
        this.held = undefined;
        this.batches.push(...held);
      },
    };
  }

  closeOptions: unknown;

  async close(options?: { timeoutMs?: number }): Promise<void> {
    this.calls.push("close");
    this.closeOptions = options;
  }
}

function countedCodec(): Codec<Counters> & { encodes: number } {
  const codec = {
    name: countersCodec.name,
    encodes: 0,
    encode(value: Counters) {
      codec.encodes++;
      return countersCodec.encode(value);
    },
    decode: (bytes: Uint8Array) => countersCodec.decode(bytes),
  };
  return codec;
}

describe("openDurableStore with a replica", () => {
  it("hands each durable group's journal bytes to the replica, which writes the snapshots", async () => {
    const fs = memFs();
    const replica = new FakeReplica(fs);
    const codec = countedCodec();
    const { store } = await openCounters(fs, { replica, codec, compaction: false });
    await Promise.all([
      store.commit("a", () => [add("a", 1)]).settled,
      store.commit("b", () => [add("b", 2)]).settled,
    ]);
    expect(replica.committedPayloads.map((p) => addOpsCodec.decode(p))).toEqual([
      [add("a", 1)],
      [add("b", 2)],
    ]);
    // Issued together: the compaction holds seq 2, the commit after it goes on meanwhile (it
    // commits while the snapshot write is still waiting).
    let openGate!: () => void;
    replica.writeGate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const compaction = store.compact("test");
    const late = store.commit("late", () => [add("a", 10)]);
    expect((await late.settled).ok).toBe(true);
    openGate();
    const report = await compaction;
    expect(report.seq).toBe(2);
    expect(codec.encodes).toBe(0);
    expect(countersCodec.decode(await fs.readFile(join(DIR, report.snapshot)))).toEqual({
      a: 1,
      b: 2,
    });
    expect(replica.calls).toEqual([
      "seed - 0..0",
      "committed 1-2",
      "hold 2",
      "committed 3-3",
      `write ${report.snapshot}`,
      "release",
    ]);
    await store.close();
    expect(replica.calls.at(-1)).toBe("close");
  });

  it("a close that times out during the replica's snapshot write still closes the replica", async () => {
    const fs = memFs();
    const replica = new FakeReplica(fs);
    const { store } = await openCounters(fs, { replica, compaction: false });
    await store.commit("a", () => [add("a", 1)]).settled;
    // A snapshot write that never ends (a hung worker): the compaction holds the close up.
    replica.writeGate = new Promise<void>(() => undefined);
    void store.compact("test").catch(() => undefined);
    const report = await store.close({ timeoutMs: 0 });
    expect(report.outcome).toBe("timed-out");
    // The replica is closed once the journal has closed, after the report (its worker thread
    // would otherwise keep the process alive).
    await vi.waitFor(() => expect(replica.calls.at(-1)).toBe("close"), { timeout: 5_000 });
    // Stopped at once: another process may take the directory as soon as the lock is released.
    expect(replica.closeOptions).toEqual({ timeoutMs: 0 });
  });

  it("seeds the replica at warm load with the snapshot's name and copies of the replayed batches", async () => {
    const fs = memFs();
    const first = await openCounters(fs, { replica: new FakeReplica(fs), compaction: false });
    await first.store.commit("a", () => [add("a", 1)]).settled;
    const report = await first.store.compact("test");
    await first.store.commit("b", () => [add("b", 5)]).settled;
    await first.store.commit("c", () => [add("a", 2)]).settled;
    await first.store.close();

    const replica = new FakeReplica(fs);
    const seeds: StoreReplicaSeed[] = [];
    const seed = replica.seed.bind(replica);
    replica.seed = (given) => {
      seeds.push(given);
      seed(given);
    };
    const codec = countedCodec();
    const second = await openCounters(fs, { replica, codec, compaction: false });
    expect(second.load).toMatchObject({ source: "snapshot", snapshotSeq: 1, replayed: 2 });
    expect(seeds).toHaveLength(1);
    expect(seeds[0]).toMatchObject({ seq: 3, snapshotSeq: 1, snapshot: report.snapshot });
    const payloads = seeds[0]?.payloads ?? [];
    expect(payloads.map((p) => addOpsCodec.decode(p))).toEqual([[add("b", 5)], [add("a", 2)]]);
    // Copies, not views into the journal's segment bytes.
    for (const payload of payloads) expect(payload.byteLength).toBe(payload.buffer.byteLength);
    const again = await second.store.compact("again");
    expect(countersCodec.decode(await fs.readFile(join(DIR, again.snapshot)))).toEqual({
      a: 3,
      b: 5,
    });
    expect(codec.encodes).toBe(0);
    await second.store.reload("test");
    expect(seeds.at(-1)).toMatchObject({ seq: 3, snapshotSeq: 3, payloads: [] });
    await second.store.close();
  });

  it("fails a compaction with ERR_ENCODE when the replica breaks its contract, and keeps every file", async () => {
    const fs = memFs();
    const replica = new FakeReplica(fs);
    const { store } = await openCounters(fs, { replica, compaction: false });
    await store.commit("a", () => [add("a", 1)]).settled;
    const hold = replica.holdSnapshot.bind(replica);
    replica.holdSnapshot = () => undefined as unknown as StoreReplicaSnapshot;
    await expect(store.compact("no hold")).rejects.toMatchObject({
      code: "ERR_ENCODE",
      details: { reason: "replica" },
    });
    replica.holdSnapshot = (seq) => {
      const held = hold(seq);
      return { ...held, write: async () => undefined as never, release: () => held.release() };
    };
    await expect(store.compact("no result")).rejects.toMatchObject({
      code: "ERR_ENCODE",
      message: expect.stringMatching(/resolved to no \{ bytes, durable \}/),
    });
    expect((await store.commit("b", () => [add("a", 1)]).settled).ok).toBe(true);
    await store.close();
    const reopened = await openCounters(fs);
    expect(reopened.store.read()).toEqual({ value: { a: 2 }, seq: 2 });
    await reopened.store.close();
  });

  it("fails a compaction with the replica's error and keeps every file", async () => {
    const fs = memFs();
    const replica = new FakeReplica(fs);
    const { store } = await openCounters(fs, { replica, compaction: false });
    await store.commit("a", () => [add("a", 1)]).settled;
    replica.failWrite = new PersistenceError("ERR_CORRUPT", "batch 1 does not decode");
    await expect(store.compact("test")).rejects.toMatchObject({ code: "ERR_CORRUPT" });
    expect(store.health().lastCompactionError?.code).toBe("ERR_CORRUPT");
    expect(replica.calls.at(-1)).toBe("release");
    expect((await fs.readdir(DIR)).filter((file) => file.includes(".snap."))).toEqual([]);
    expect((await store.commit("b", () => [add("a", 1)]).settled).ok).toBe(true);
    await store.close();
    const reopened = await openCounters(fs);
    expect(reopened.store.read()).toEqual({ value: { a: 2 }, seq: 2 });
    await reopened.store.close();
  });

  it("re-seeds the replica from the snapshot the store writes itself after an external reload", async () => {
    const fs = memFs();
    const replica = new FakeReplica(fs);
    const { store } = await openCounters(fs, {
      replica,
      compaction: false,
      loadExternal: async () => ({ a: 7 }),
    });
    const result = await store.commitExternal("x", {
      persist: async () => undefined,
      ops: [add("a", -1)] as AddOp[],
    }).settled;
    expect(result).toMatchObject({ ok: true, patched: false, reloaded: true });
    expect(replica.calls.at(-1)).toBe("seed store.snap.0000000000000001 1..1");
    const report = await store.compact("after reload");
    expect(countersCodec.decode(await fs.readFile(join(DIR, report.snapshot)))).toEqual({ a: 7 });
    await store.close();
  });

  it("refuses a replica that is not a StoreReplica", async () => {
    const fs = memFs();
    await expect(openCounters(fs, { replica: {} as never })).rejects.toThrow(TypeError);
    await expect(
      openCounters(fs, { replica: { seed() {}, committed() {} } as never }),
    ).rejects.toThrow(TypeError);
  });
});
