import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OpsCodec } from "@snapwrite/core";
import {
  applyKnownMetOps,
  assembleKnownFileRecord,
  createMetTag,
  type KnownFileRecord,
  type KnownMet,
  type KnownMetOp,
  knownMetCodec,
  knownMetOps,
} from "@snapwrite/formats-met";
import { describe, expect, it } from "vitest";
import { createStoreReplica } from "../src/index.js";
import { hex, useReplicaHarness } from "./support/store-replica-harness.js";

// The worker module imports the built packages: `npx turbo run build` before these tests.
const FIXTURE = new URL("./fixtures/known-store-worker.mjs", import.meta.url);

type Poison = { readonly op: "poison" };
type Op = KnownMetOp | Poison;

function hashOf(id: number): Uint8Array {
  const hash = new Uint8Array(16);
  hash[0] = id & 0xff;
  hash[1] = id >> 8;
  hash[15] = 0xc3;
  return hash;
}

function record(id: number, size = 1000 + id, name = `file-${id}.bin`): KnownFileRecord {
  return assembleKnownFileRecord({
    date: 1_700_000_000 + id,
    hash: hashOf(id),
    partHashes: [],
    tags: [
      createMetTag({ id: 1, type: "string", value: name }),
      createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size }),
    ],
  });
}

const upsert = (r: KnownFileRecord): Op => ({ op: "upsert", record: r });
const remove = (id: number): Op => ({ op: "remove", hash: hashOf(id) });

/**
 * The owner's ops codec: known.met ops, plus a "poison" op whose bytes the worker's plain
 * `knownMetOps` cannot decode (the owner reads it back as no ops).
 */
const ownerOps: OpsCodec<Op> = {
  name: "known-met-ops+poison",
  encode: (ops) =>
    ops.some((op) => op.op === "poison")
      ? new Uint8Array([0xee])
      : knownMetOps.encode(ops as KnownMetOp[]),
  decode: (bytes) => (bytes[0] === 0xee ? [] : knownMetOps.decode(bytes)),
};

const h = useReplicaHarness<KnownMet, Op>({
  fixture: FIXTURE,
  dirPrefix: "snapwrite-store-replica-",
  name: "known",
  codec: knownMetCodec,
  ops: ownerOps,
  apply: (state, ops) => ({
    header: state.header,
    records: applyKnownMetOps(
      state.records,
      ops.filter((op): op is KnownMetOp => op.op !== "poison"),
    ),
  }),
  empty: () => ({ header: "auto", records: [] }),
});
const { replica, open, commitAll } = h;

async function snapshotFiles(): Promise<string[]> {
  return (await readdir(h.dir)).filter((file) => file.startsWith("known.snap.")).sort();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a durable store whose snapshots the worker replica writes", () => {
  it("writes the snapshot in the worker, byte-identical to the owner codec's, while commits go on", async () => {
    const fed = replica();
    const { store, states } = await open(fed);
    await commitAll(store, [
      [upsert(record(1)), upsert(record(2)), upsert(record(3))],
      [upsert(record(4, 5_000_000_000))],
      [remove(2), upsert(record(1, 77, "renamed"))],
    ]);
    // Commits issued together with the compaction: those after its seq must not reach the file.
    const compaction = store.compact("test");
    const later = [5, 6, 7].map((id) => store.commit(`late ${id}`, () => [upsert(record(id))]));
    const report = await compaction;
    for (const ticket of later) expect((await ticket.settled).ok).toBe(true);
    expect(h.ownerEncodes).toBe(0);
    const file = await readFile(join(h.dir, report.snapshot));
    const expected = states.get(report.seq);
    expect(expected).toBeDefined();
    expect(file.toString("hex")).toBe(hex(knownMetCodec.encode(expected as KnownMet)));
    expect(fed.stats.snapshots).toBe(1);

    // A second compaction covers the late commits; the replica starts from the first snapshot.
    await commitAll(store, [[remove(3)]]);
    const second = await store.compact("again");
    expect(second.seq).toBe(store.read().seq);
    const secondFile = await readFile(join(h.dir, second.snapshot));
    expect(secondFile.toString("hex")).toBe(hex(knownMetCodec.encode(store.read().value)));
    expect(fed.stats).toMatchObject({ snapshots: 2, retained: 0, seq: second.seq });
    expect(h.ownerEncodes).toBe(0);
  });

  it("reopens from the worker's snapshot plus the journal, and seeds the new replica from them", async () => {
    const first = await open(replica());
    await commitAll(first.store, [[upsert(record(10)), upsert(record(11))], [remove(10)]]);
    const compacted = await first.store.compact("test");
    await commitAll(first.store, [[upsert(record(12))], [upsert(record(11, 5, "smaller"))]]);
    const finalState = hex(knownMetCodec.encode(first.store.read().value));
    expect((await first.store.close()).ok).toBe(true);

    const fed = replica();
    const second = await open(fed);
    expect(second.load).toMatchObject({
      source: "snapshot",
      snapshotSeq: compacted.seq,
      replayed: 2,
      seq: compacted.seq + 2,
    });
    expect(hex(knownMetCodec.encode(second.store.read().value))).toBe(finalState);
    expect(h.ownerEncodes).toBe(0);
    // The new worker loaded the snapshot file and the two replayed batches itself.
    const report = await second.store.compact("after reopen");
    expect(report.seq).toBe(compacted.seq + 2);
    expect((await readFile(join(h.dir, report.snapshot))).toString("hex")).toBe(finalState);
    expect(fed.stats).toMatchObject({ snapshots: 1, spawns: 1, resyncs: 0 });
    expect(h.ownerEncodes).toBe(0);
  });

  it("rebuilds a crashed worker from the last snapshot and the batches the owner kept", async () => {
    const fed = replica({ crashMarker: join(h.dir, "crash-marker") });
    const { store } = await open(fed);
    await commitAll(store, [[upsert(record(20))]]);
    // The worker dies applying that batch; the owner keeps every batch since the last snapshot.
    await until(() => !fed.stats.alive, "the worker to exit");
    await commitAll(store, [[upsert(record(21))], [remove(20), upsert(record(22))]]);
    expect(fed.stats).toMatchObject({ alive: false, retained: 3, seq: 3 });
    const report = await store.compact("after crash");
    expect(fed.stats).toMatchObject({ alive: true, spawns: 2, resyncs: 1, snapshots: 1 });
    expect((await readFile(join(h.dir, report.snapshot))).toString("hex")).toBe(
      hex(knownMetCodec.encode(store.read().value)),
    );
    expect(h.ownerEncodes).toBe(0);
  });

  it("fails the compaction with ERR_CORRUPT for a batch the worker cannot decode, and loses nothing", async () => {
    const fed = replica();
    const { store } = await open(fed);
    await commitAll(store, [[upsert(record(30))], [{ op: "poison" }], [upsert(record(31))]]);
    const failure = await store.compact("poisoned").catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: "ERR_CORRUPT",
      stage: "encode",
      details: { reason: "replica" },
    });
    expect(String((failure as Error).message)).toContain("op batch 2 does not decode");
    expect(store.health().lastCompactionError?.code).toBe("ERR_CORRUPT");
    expect(await snapshotFiles()).toEqual([]);
    expect(h.ownerEncodes).toBe(0);
    // The store keeps taking commits; a retry fails the same way (the batch is still needed).
    await commitAll(store, [[upsert(record(32))]]);
    await expect(store.compact("retry")).rejects.toMatchObject({ code: "ERR_CORRUPT" });
    const expected = hex(knownMetCodec.encode(store.read().value));
    expect((await store.close()).ok).toBe(true);

    // The journal is the source of truth: a reopen without a replica has every commit.
    const reopened = await open(undefined);
    expect(reopened.load).toMatchObject({ source: "journal", replayed: 4, seq: 4 });
    expect(hex(knownMetCodec.encode(reopened.store.read().value))).toBe(expected);
  });

  it("fails with ERR_GAP when a batch is missing from the stream, until the next seed", async () => {
    const fed = replica();
    fed.seed({ seq: 0, snapshotSeq: 0, snapshot: undefined, payloads: [] });
    fed.committed(1, 1, [knownMetOps.encode([{ op: "upsert", record: record(40) }])]);
    fed.committed(3, 3, [knownMetOps.encode([{ op: "upsert", record: record(41) }])]);
    const hold = fed.holdSnapshot(1);
    await expect(hold.write("known.snap.0000000000000001", {})).rejects.toMatchObject({
      code: "ERR_GAP",
    });
    hold.release();
    // A seed whose batches do not lead to its seq does not throw at the store: it fails the same way.
    fed.seed({ seq: 2, snapshotSeq: 0, snapshot: undefined, payloads: [new Uint8Array(1)] });
    const odd = fed.holdSnapshot(2);
    await expect(odd.write("known.snap.0000000000000002", {})).rejects.toMatchObject({
      code: "ERR_GAP",
    });
    odd.release();
    // A new seed (what a reload does) clears it.
    fed.seed({ seq: 0, snapshotSeq: 0, snapshot: undefined, payloads: [] });
    const next = fed.holdSnapshot(0);
    await expect(next.write("known.snap.0000000000000000", {})).resolves.toMatchObject({
      durable: true,
    });
    next.release();
    expect((await readFile(join(h.dir, "known.snap.0000000000000000"))).toString("hex")).toBe(
      hex(knownMetCodec.encode({ header: "auto", records: [] })),
    );
  });

  it("closed alone while the store stays open: keeps no batch, and a compaction fails ERR_CLOSED", async () => {
    const fed = replica();
    const { store } = await open(fed);
    await commitAll(store, [[upsert(record(30))]]);
    await fed.close();
    await commitAll(store, [[upsert(record(31))], [upsert(record(32))]]);
    expect(fed.stats).toMatchObject({ retained: 0, retainedBytes: 0 });
    await expect(store.compact("after the replica closed")).rejects.toMatchObject({
      code: "ERR_CLOSED",
    });
    // Commits go on; the journal still holds them.
    expect(store.read().seq).toBe(3);
  });

  it("refuses a resync option and a second hold", () => {
    expect(() => createStoreReplica({ module: FIXTURE, resync: () => undefined } as never)).toThrow(
      TypeError,
    );
    const fed = replica();
    const hold = fed.holdSnapshot(0);
    expect(() => fed.holdSnapshot(0)).toThrow(TypeError);
    hold.release();
    fed.holdSnapshot(0).release();
  });
});
