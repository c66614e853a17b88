import { isPersistenceError } from "@snapwrite/core";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createManualClock, createMemoryFs } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { warmReplayTuning } from "../src/durable-store/warm-replay.js";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getCollection,
  type KeyedCollections,
  type KeyedOp,
  openDurableStore,
  openFollowerStore,
  replayKeyedOps,
} from "../src/index.js";
import { pendingTuning } from "../src/keyed-replay-pending.js";

const codec = createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }) });

const encode = (state: KeyedCollections) => Buffer.concat([...codec.encode(state)]);

/** Collections in their own order (not sorted): the order decides the snapshot's bytes. */
function view(state: KeyedCollections): [string, [string, unknown][]][] {
  return Object.keys(state).map((c) => [c, [...getCollection(state, c)]]);
}

const collection = fc.constantFrom("users", "files", "__proto__");
// Enough keys for trees of several levels, so a run copies shared inner nodes.
const key = fc.integer({ min: 0, max: 400 }).map((n) => `k${n}`);
const value = fc.oneof(
  fc.integer(),
  fc.dictionary(fc.constantFrom("x", "y"), fc.integer(), { maxKeys: 2 }),
);
const op: fc.Arbitrary<KeyedOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("put" as const), collection, key, value }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("del" as const), collection, key }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("merge" as const),
      collection,
      key,
      value: fc.dictionary(fc.constantFrom("x", "y"), fc.integer(), { maxKeys: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const), collection }) },
);

function baseState(size: number): KeyedCollections {
  const ops: KeyedOp[] = [];
  for (let i = 0; i < size; i++) {
    ops.push({ op: "put", collection: i % 3 === 0 ? "files" : "users", key: `k${i}`, value: i });
  }
  return applyKeyedOps(emptyCollections(), ops);
}

/** Per record: the state `applyKeyedOps` reaches, or the index of the record that throws. */
function applyEach(
  base: KeyedCollections,
  records: KeyedOp[][],
): { state: KeyedCollections; failedAt?: number; error?: unknown } {
  let state = base;
  for (const [index, ops] of records.entries()) {
    try {
      state = applyKeyedOps(state, ops);
    } catch (error) {
      return { state, failedAt: index, error };
    }
  }
  return { state };
}

describe("replayKeyedOps", () => {
  it("reaches exactly the state of applyKeyedOps per record and leaves its base unchanged (property)", () => {
    checkAgainstApplyEach(300);
  });

  it("does the same when its held-back changes are written every few keys, a few at a time (property)", () => {
    const { keys, step } = pendingTuning;
    pendingTuning.keys = 4;
    pendingTuning.step = 2;
    try {
      checkAgainstApplyEach(300);
    } finally {
      pendingTuning.keys = keys;
      pendingTuning.step = step;
    }
  });

  function checkAgainstApplyEach(numRuns: number): void {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.array(op, { maxLength: 8 }), { maxLength: 40 }),
        (size, records) => {
          const base = baseState(size);
          const before = view(base);
          const expected = applyEach(base, records);
          const run = replayKeyedOps.begin(base);
          let failedAt: number | undefined;
          for (const [index, ops] of records.entries()) {
            try {
              run.apply(ops);
            } catch (error) {
              failedAt = index;
              expect(isPersistenceError(error, "ERR_CONFLICT")).toBe(true);
              expect(String(error)).toBe(String(expected.error));
              break;
            }
          }
          expect(failedAt).toBe(expected.failedAt);
          expect(view(base)).toEqual(before);
          if (failedAt !== undefined) return;
          const replayed = run.finish();
          expect(view(replayed)).toEqual(view(expected.state));
          expect(Object.isFrozen(replayed)).toBe(true);
          expect(encode(replayed)).toEqual(encode(expected.state));
          if (expected.state === base) expect(replayed).toBe(base);
        },
      ),
      { numRuns },
    );
  }

  it("throws the TypeError of a malformed batch, as applyKeyedOps does", () => {
    const run = replayKeyedOps.begin(emptyCollections());
    expect(() => run.apply({} as never)).toThrow("ops must be an array");
    expect(() => run.apply([{ op: "put", collection: "c", key: 1 } as never])).toThrow(
      "ops[0].key must be a string",
    );
    expect(Object.keys(run.finish())).toEqual([]);
  });

  it("keeps an untouched collection's own state and returns the base when nothing changed", () => {
    const base = baseState(30);
    const run = replayKeyedOps.begin(base);
    run.apply([{ op: "del", collection: "files", key: "absent" }]);
    run.apply([{ op: "clear", collection: "none" }]);
    expect(run.finish()).toBe(base);
    const second = replayKeyedOps.begin(base);
    second.apply([{ op: "put", collection: "users", key: "new", value: 1 }]);
    const next = second.finish();
    expect(next.files).toBe(base.files);
    expect(Object.keys(next)).toEqual(["files", "users"]);
  });
});

describe("the store's replay option", () => {
  const DIR = "/data";
  const ops = createJsonOpsCodec() as never;

  function open(fs: ReturnType<typeof createMemoryFs>, replay?: typeof replayKeyedOps) {
    return openDurableStore<KeyedCollections, KeyedOp>({
      dir: DIR,
      fs,
      codec,
      ops,
      apply: applyKeyedOps,
      empty: emptyCollections,
      compaction: false,
      replay,
    });
  }

  async function seeded() {
    const fs = createMemoryFs();
    const { store } = await open(fs);
    for (let i = 0; i < 40; i++) {
      const batch: KeyedOp[] = [
        { op: "put", collection: i % 2 ? "a" : "b", key: `k${i % 7}`, value: i },
        { op: "merge", collection: "m", key: `k${i % 5}`, value: { [`f${i % 3}`]: i } },
      ];
      if (i % 9 === 8) batch.push({ op: "clear", collection: "a" });
      if (i % 4 === 3) batch.push({ op: "del", collection: "b", key: `k${i % 7}` });
      const result = await store.commit("c", () => batch).settled;
      expect(result.ok).toBe(true);
      if (i === 20) await store.compact("half");
    }
    const expected = store.read().value;
    await store.close();
    return { fs, expected };
  }

  it("warm-loads the same state with and without it", async () => {
    const { fs, expected } = await seeded();
    const plain = await open(fs);
    const plainValue = plain.store.read().value;
    await plain.store.close();
    const fast = await open(fs, replayKeyedOps);
    expect(fast.load.replayed).toBe(plain.load.replayed);
    expect(fast.load.replayed).toBeGreaterThan(0);
    expect(view(fast.store.read().value)).toEqual(view(plainValue));
    expect(view(plainValue)).toEqual(view(expected));
    await fast.store.close();
  });

  it("lets a follower catch up through it", async () => {
    const { fs, expected } = await seeded();
    const { store } = await openFollowerStore<KeyedCollections, KeyedOp>({
      dir: DIR,
      fs,
      codec,
      ops,
      apply: applyKeyedOps,
      empty: emptyCollections,
      replay: replayKeyedOps,
      clock: createManualClock(),
      refresh: { intervalMs: 50 },
    });
    expect(view(store.read().value)).toEqual(view(expected));
    await store.close();
  });

  it("decodes records in batches to the same state, a last partial batch included", async () => {
    const { fs, expected } = await seeded();
    const saved = warmReplayTuning.batchRecords;
    warmReplayTuning.batchRecords = 7;
    try {
      const batched = await open(fs, replayKeyedOps);
      expect(batched.load.replayed).toBe(19);
      expect(view(batched.store.read().value)).toEqual(view(expected));
      await batched.store.close();
    } finally {
      warmReplayTuning.batchRecords = saved;
    }
  });

  it("fails a record that does not apply with its own seq, in a full or the last batch", async () => {
    for (const bad of [3, 12]) {
      const fs = createMemoryFs();
      // A writer that applies nothing journals a merge onto a number, which applyKeyedOps refuses.
      const writer = await openDurableStore<KeyedCollections, KeyedOp>({
        dir: DIR,
        fs,
        codec,
        ops,
        apply: (state) => state,
        empty: emptyCollections,
        compaction: false,
      });
      for (let seq = 1; seq <= 12; seq++) {
        const op: KeyedOp =
          seq === bad
            ? { op: "merge", collection: "a", key: "x", value: { f: seq } }
            : { op: "put", collection: "a", key: seq === 1 ? "x" : `k${seq}`, value: seq };
        expect((await writer.store.commit("c", () => [op]).settled).ok).toBe(true);
      }
      await writer.store.close();
      // A torn tail the journal would repair (copy aside, new segment) if the open went on.
      const segment = (await fs.readdir(DIR)).find((f) => f.includes(".wal.")) as string;
      fs.vol.appendFileSync(`${DIR}/${segment}`, Buffer.from([7, 0, 0]));
      const files = fs.toJSON();
      const saved = warmReplayTuning.batchRecords;
      warmReplayTuning.batchRecords = 5;
      try {
        const error = await open(fs, replayKeyedOps).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
        expect((error as { details?: unknown }).details).toMatchObject({
          seq: bad,
          reason: "record",
        });
        // Also from the last batch, applied once the journal has passed its last record: the
        // journal repaired nothing.
        expect(fs.toJSON()).toEqual(files);
      } finally {
        warmReplayTuning.batchRecords = saved;
      }
    }
  });

  it("refuses a replay without begin", async () => {
    await expect(open(createMemoryFs(), {} as never)).rejects.toThrow(
      "replay must be an object with begin(state)",
    );
  });
});
