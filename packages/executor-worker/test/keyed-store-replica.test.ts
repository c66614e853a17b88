import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OpsCodec } from "@snapwrite/core";
import { createJsonCodec, createJsonOpsCodec, type JsonOp } from "@snapwrite/formats-json";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getEntry,
  type KeyedCollections,
  type KeyedOp,
} from "@snapwrite/store";
import { describe, expect, it } from "vitest";
import { hex, useReplicaHarness } from "./support/store-replica-harness.js";

// The worker module imports the built packages: `npx turbo run build` before these tests.
const FIXTURE = new URL("./fixtures/keyed-store-worker.mjs", import.meta.url);

/** The owner's own snapshot codec: the one the worker module builds too. */
const keyedCodec = createKeyedCollectionsCodec({
  json: createJsonCodec({ version: 1 }),
  name: "keyed",
});
const jsonOps = createJsonOpsCodec();

/**
 * An op only the owner understands: its batch is a put of a string then a merge onto it, which the
 * worker decodes but cannot apply (ERR_CONFLICT); the owner decodes that batch as no ops.
 */
type Poison = { readonly op: "poison" };
type Op = KeyedOp | Poison;
const POISON = "poison";
const poisonBatch = jsonOps.encode([
  { op: "put", collection: POISON, key: "k", value: "a string" },
  { op: "merge", collection: POISON, key: "k", value: { a: 1 } },
]);
const ownerOps: OpsCodec<Op> = {
  name: "json-ops+poison",
  encode: (ops) =>
    ops.some((op) => op.op === "poison") ? poisonBatch : jsonOps.encode(ops as JsonOp[]),
  decode: (bytes) => jsonOps.decode(bytes).filter((op) => op.collection !== POISON),
};
const isKeyed = (op: Op): op is KeyedOp => op.op !== "poison";

const put = (key: string, value: unknown, collection = "items"): Op => ({
  op: "put",
  collection,
  key,
  value,
});

const h = useReplicaHarness<KeyedCollections, Op>({
  fixture: FIXTURE,
  dirPrefix: "snapwrite-keyed-replica-",
  name: "keyed",
  codec: keyedCodec,
  ops: ownerOps,
  apply: (state, ops) => applyKeyedOps(state, ops.filter(isKeyed)),
  empty: emptyCollections,
});
const { replica, open, commitAll } = h;

describe("a keyed JSON store whose snapshots the worker replica writes", () => {
  it("writes the owner codec's bytes from the worker, and keeps the commits made during the compaction", async () => {
    const fed = replica();
    const { store, states } = await open(fed);
    await commitAll(store, [
      [put("b", { n: 2 }), put("a", { n: 1, tags: ["x", "é"] }), put("c", 3)],
      [put("m", null, "meta"), { op: "merge", collection: "items", key: "a", value: { n: 10 } }],
      [{ op: "del", collection: "items", key: "c" }, put("z", "last")],
    ]);
    const compaction = store.compact("test");
    const later = ["d", "e", "f"].map((key) => store.commit(`late ${key}`, () => [put(key, key)]));
    const report = await compaction;
    for (const ticket of later) expect((await ticket.settled).ok).toBe(true);
    expect(h.ownerEncodes).toBe(0);
    const expected = states.get(report.seq);
    expect(expected).toBeDefined();
    const file = await readFile(join(h.dir, report.snapshot));
    expect(file.toString("hex")).toBe(hex(keyedCodec.encode(expected as KeyedCollections)));
    expect(fed.stats.snapshots).toBe(1);
    // The late commits are in memory, and a second compaction puts them in its snapshot.
    for (const key of ["d", "e", "f"]) expect(getEntry(store.read().value, "items", key)).toBe(key);
    await commitAll(store, [[{ op: "clear", collection: "meta" }]]);
    const second = await store.compact("again");
    expect(second.seq).toBe(store.read().seq);
    expect((await readFile(join(h.dir, second.snapshot))).toString("hex")).toBe(
      hex(keyedCodec.encode(store.read().value)),
    );
    expect(fed.stats).toMatchObject({ snapshots: 2, retained: 0, seq: second.seq });
    expect(h.ownerEncodes).toBe(0);
  });

  it("warm-loads the worker's snapshot on reopen, and the new worker loads it too", async () => {
    const first = await open(replica());
    await commitAll(first.store, [[put("k1", 1), put("k2", 2)], [put("k3", { deep: [1, 2] })]]);
    const compacted = await first.store.compact("test");
    await commitAll(first.store, [[put("k4", 4)], [{ op: "del", collection: "items", key: "k1" }]]);
    const finalState = hex(keyedCodec.encode(first.store.read().value));
    expect((await first.store.close()).ok).toBe(true);

    const fed = replica();
    const second = await open(fed);
    expect(second.load).toMatchObject({
      source: "snapshot",
      snapshotSeq: compacted.seq,
      replayed: 2,
      seq: compacted.seq + 2,
    });
    expect(hex(keyedCodec.encode(second.store.read().value))).toBe(finalState);
    const report = await second.store.compact("after reopen");
    expect(report.seq).toBe(compacted.seq + 2);
    expect((await readFile(join(h.dir, report.snapshot))).toString("hex")).toBe(finalState);
    expect(fed.stats).toMatchObject({ snapshots: 1, spawns: 1, resyncs: 0 });
    expect(h.ownerEncodes).toBe(0);
  });

  it("fails the compaction with ERR_CORRUPT for a batch the worker cannot apply, and loses nothing", async () => {
    const { store } = await open(replica());
    await commitAll(store, [[put("p1", 1)], [{ op: "poison" }], [put("p2", 2)]]);
    const failure = await store.compact("poisoned").catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: "ERR_CORRUPT",
      stage: "encode",
      details: { reason: "replica" },
    });
    expect(String((failure as Error).message)).toContain("op batch 2 does not apply");
    expect(store.health().lastCompactionError?.code).toBe("ERR_CORRUPT");
    expect((await readdir(h.dir)).filter((file) => file.startsWith("keyed.snap."))).toEqual([]);
    await commitAll(store, [[put("p3", 3)]]);
    const expected = hex(keyedCodec.encode(store.read().value));
    expect((await store.close()).ok).toBe(true);
    expect(h.ownerEncodes).toBe(0);

    // The journal is the source of truth: a reopen without a replica has every commit.
    const reopened = await open(undefined);
    expect(reopened.load).toMatchObject({ source: "journal", replayed: 4, seq: 4 });
    expect(hex(keyedCodec.encode(reopened.store.read().value))).toBe(expected);
  });
});
