import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createMemoryFs } from "@snapwrite/testkit";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  createKeyedState,
  emptyCollections,
  getEntry,
  type KeyedCollections,
  type KeyedOp,
  type KeyedState,
  openDurableStore,
  replayKeyedOps,
} from "../src/index.js";
import { indexTuning } from "../src/keyed-index.js";
import { keyedStateIndex, openKeyedTransient } from "../src/keyed-state.js";

const tuning = { ...indexTuning };

beforeEach(() => {
  // Small enough that a handful of reads builds an index, so the property runs cover every
  // stage: no index, a partial one, a complete one, a retired one, a branch waiting for its own.
  Object.assign(indexTuning, { minSize: 2, step: 2, branchDelay: 3 });
});

afterEach(() => {
  Object.assign(indexTuning, tuning);
});

const KEYS = ["", "a", "b", "ab", "ba", "c", "é", "😀"];
const key = fc.constantFrom(...KEYS);

type Command =
  | { kind: "put"; from: number; key: string; value: number }
  | { kind: "delete"; from: number; key: string }
  | { kind: "batch"; from: number; changes: [string, number | null][]; fail: boolean }
  | { kind: "reentrant"; from: number; key: string; value: number; put: boolean }
  | { kind: "transient"; from: number; changes: [string, number | null][]; finish: boolean }
  | { kind: "read"; from: number; times: number };

const from = fc.nat(40);
const changes = fc.array(fc.tuple(key, fc.option(fc.integer({ min: 0, max: 99 }))), {
  maxLength: 6,
});
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), from, key, value: fc.nat(99) }),
  fc.record({ kind: fc.constant("delete" as const), from, key }),
  fc.record({ kind: fc.constant("batch" as const), from, changes, fail: fc.boolean() }),
  fc.record({
    kind: fc.constant("reentrant" as const),
    from,
    key,
    value: fc.nat(99),
    put: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("transient" as const), from, changes, finish: fc.boolean() }),
  {
    arbitrary: fc.record({ kind: fc.constant("read" as const), from, times: fc.nat(6) }),
    weight: 3,
  },
);

type Version = { state: KeyedState<number>; model: Map<string, number> };

function applyChanges(
  draft: { set(k: string, v: number): void; delete(k: string): boolean },
  model: Map<string, number>,
  list: readonly [string, number | null][],
): void {
  for (const [k, v] of list) {
    if (v === null) {
      draft.delete(k);
      model.delete(k);
    } else {
      draft.set(k, v);
      model.set(k, v);
    }
  }
}

/** Runs `c` on a version of `versions`; returns the versions it made (with their models). */
function run(c: Command, versions: readonly Version[]): Version[] {
  const base = versions[c.from % versions.length] as Version;
  const model = new Map(base.model);
  switch (c.kind) {
    case "put":
      model.set(c.key, c.value);
      return [{ state: base.state.put(c.key, c.value), model }];
    case "delete":
      model.delete(c.key);
      return [{ state: base.state.delete(c.key), model }];
    case "batch": {
      let next: KeyedState<number> | undefined;
      try {
        next = base.state.batch((draft) => {
          applyChanges(draft, model, c.changes);
          if (c.fail) throw new Error("edit failed");
        });
      } catch (error) {
        expect((error as Error).message).toBe("edit failed");
        return [];
      }
      return [{ state: next, model }];
    }
    case "reentrant": {
      // From inside its own batch, a put on the base takes the base's index first, and reads
      // of the base may start or build its index.
      const side = new Map(base.model).set(c.key, c.value);
      let sideState: KeyedState<number> | undefined;
      const next = base.state.batch((draft) => {
        applyChanges(draft, model, [[c.key, c.value + 1]]);
        if (c.put) sideState = base.state.put(c.key, c.value);
        else for (let i = 0; i < 4; i++) for (const k of KEYS) base.state.get(k);
      });
      const made = [{ state: next, model }];
      return sideState === undefined ? made : [...made, { state: sideState, model: side }];
    }
    case "transient": {
      const transient = openKeyedTransient(base.state);
      applyChanges(transient.draft, model, c.changes);
      // An abandoned transient (a replay that threw) leaves no version and no trace.
      return c.finish ? [{ state: transient.finish(), model }] : [];
    }
    case "read":
      for (let i = 0; i < c.times; i++) for (const k of KEYS) base.state.get(k);
      return [];
  }
}

function expectSame(version: Version): void {
  const { state, model } = version;
  expect(state.size).toBe(model.size);
  for (const k of KEYS) {
    expect(state.get(k)).toBe(model.get(k));
    expect(state.has(k)).toBe(model.has(k));
  }
}

describe("the hash index of a keyed state", () => {
  it("never changes what any version reads: puts, deletes, batches (throwing too), branches, transients (property)", () => {
    let completeSeen = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.nat(99)), { maxLength: 6 }),
        fc.array(command, { maxLength: 60 }),
        (initial, commands) => {
          const model = new Map(initial);
          const first = createKeyedState([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
          const versions: Version[] = [{ state: first, model }];
          for (const c of commands) {
            versions.push(...run(c, versions));
            // Every version, the newest and the old ones, still reads as its model.
            for (const version of versions) expectSame(version);
          }
          for (const { state, model } of versions) {
            expect([...state]).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
            if (keyedStateIndex(state)?.complete === true) completeSeen++;
          }
        },
      ),
      { numRuns: 300 },
    );
    // The runs did reach complete indexes (reads answered by them), not only the tree.
    expect(completeSeen).toBeGreaterThan(100);
  });

  it("is built by reads in steps, then handed from version to version; the old one reads its tree", () => {
    const entries = Array.from({ length: 10 }, (_, i) => [`k${i}`, i] as const);
    const v1 = createKeyedState(entries);
    const index = keyedStateIndex(v1);
    expect(index?.live).toBe(false);
    v1.get("k0"); // starts the index and copies 2 entries
    const started = keyedStateIndex(v1);
    expect(started?.live).toBe(true);
    expect(started?.size).toBe(2);
    for (let i = 0; i < 4; i++) v1.get("k1");
    expect(started?.complete).toBe(true);
    expect(started?.size).toBe(10);

    const v2 = v1.put("k3", 30).delete("k4");
    expect(keyedStateIndex(v2)).toBe(started);
    expect(keyedStateIndex(v1)?.live).toBe(false);
    expect(started?.size).toBe(9);
    expect([v1.get("k3"), v1.get("k4"), v2.get("k3"), v2.get("k4")]).toEqual([3, 4, 30, undefined]);

    const v3 = v2.batch((draft) => {
      draft.set("k5", 50);
      draft.delete("k6");
    });
    expect(keyedStateIndex(v3)).toBe(started);
    expect([v2.get("k5"), v2.has("k6"), v3.get("k5"), v3.has("k6")]).toEqual([5, true, 50, false]);
  });

  it("answers like a Map through its tables' growth and churn, and the versions it left read their trees", () => {
    // 4,000 keys: each of the index's tables doubles several times, and deletes shift runs back.
    const model = new Map<string, number>(Array.from({ length: 4000 }, (_, i) => [`key-${i}`, i]));
    let state = createKeyedState([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
    while (keyedStateIndex(state)?.complete !== true) state.get("key-0");
    const first = state;
    for (let round = 0; round < 3; round++) {
      state = state.batch((draft) => {
        for (let i = round; i < 4000; i += 3) {
          draft.delete(`key-${i}`);
          model.delete(`key-${i}`);
          draft.set(`new-${round}-${i}`, -i);
          model.set(`new-${round}-${i}`, -i);
        }
      });
      expect(keyedStateIndex(state)?.size).toBe(model.size);
      for (const [k, v] of model) expect(state.get(k)).toBe(v);
      for (let i = 0; i < 4000; i++) expect(state.has(`key-${i}`)).toBe(model.has(`key-${i}`));
    }
    expect(first.get("key-0")).toBe(0);
    expect(first.has("new-0-0")).toBe(false);
  });

  it("stays with its version when a batch edit throws", () => {
    const v1 = createKeyedState(Array.from({ length: 8 }, (_, i) => [`k${i}`, i] as const));
    for (let i = 0; i < 5; i++) v1.get("k0");
    const index = keyedStateIndex(v1);
    expect(index?.complete).toBe(true);
    expect(() =>
      v1.batch((draft) => {
        draft.set("k1", 100);
        draft.delete("k2");
        draft.set("new", 1);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(keyedStateIndex(v1)).toBe(index);
    expect(index?.size).toBe(8);
    expect([v1.get("k1"), v1.get("k2"), v1.has("new")]).toEqual([1, 2, false]);
  });

  it("gives a branch off an older version an index of its own only after branchDelay reads", () => {
    const v1 = createKeyedState(Array.from({ length: 6 }, (_, i) => [`k${i}`, i] as const));
    for (let i = 0; i < 4; i++) v1.get("k0");
    const index = keyedStateIndex(v1);
    expect(index?.complete).toBe(true);
    const v2 = v1.put("k0", 10);
    const branch = v1.put("k0", 20);
    expect(keyedStateIndex(v2)).toBe(index);
    const own = keyedStateIndex(branch);
    expect(own).not.toBe(keyedStateIndex(v2));
    expect(own?.size).toBe(0);
    for (let i = 0; i < 3; i++) branch.get("k1");
    expect(own?.size).toBe(0);
    for (let i = 0; i < 3; i++) branch.get("k1");
    expect(own?.complete).toBe(true);
    expect([v1.get("k0"), v2.get("k0"), branch.get("k0")]).toEqual([0, 10, 20]);
  });

  it("reaches the store's published versions: applyKeyedOps and replayKeyedOps hand it on, getEntry reads it", () => {
    const entries = Array.from({ length: 6 }, (_, i) => [`k${i}`, i] as const);
    let state = applyKeyedOps(
      emptyCollections<number>(),
      entries.map(([k, v]) => ({ op: "put", collection: "kv", key: k, value: v })),
    );
    for (let i = 0; i < 4; i++) getEntry(state, "kv", "k0");
    const index = keyedStateIndex(state.kv as KeyedState<number>);
    expect(index?.complete).toBe(true);
    state = applyKeyedOps(state, [
      { op: "put", collection: "kv", key: "k1", value: 11 },
      { op: "put", collection: "other", key: "x", value: 1 },
    ]);
    expect(keyedStateIndex(state.kv as KeyedState<number>)).toBe(index);
    const run = replayKeyedOps.begin(state);
    run.apply([{ op: "del", collection: "kv", key: "k2" }]);
    const replayed = run.finish();
    expect(keyedStateIndex(replayed.kv as KeyedState<number>)).toBe(index);
    expect(getEntry(replayed, "kv", "k1")).toBe(11);
    expect(getEntry(replayed, "kv", "k2")).toBeUndefined();
    expect(getEntry(state, "kv", "k2")).toBe(2);
    expect(index?.size).toBe(5);
  });

  it("stays with a durable store's published root through a warm load, commits and write-behind flushes", async () => {
    const fs = createMemoryFs();
    const open = () =>
      openDurableStore<KeyedCollections<number>, KeyedOp<number>>({
        dir: "/data",
        fs,
        codec: createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }) }) as never,
        ops: createJsonOpsCodec() as never,
        apply: applyKeyedOps,
        replay: replayKeyedOps as never,
        empty: emptyCollections,
        writeBehind: { debounceMs: 1, maxDelayMs: 1 },
      });
    const put = (key: string, value: number): KeyedOp<number>[] => [
      { op: "put", collection: "kv", key, value },
    ];
    const first = await open();
    for (let i = 0; i < 12; i++) await first.store.commit("seed", () => put(`k${i}`, i)).settled;
    await first.store.compact("snapshot");
    await first.store.commit("after", () => put("k0", 100)).settled;
    await first.store.close();

    const { store } = await open();
    const kv = () => store.read().value.kv as KeyedState<number>;
    for (let i = 0; i < 8; i++) getEntry(store.read().value, "kv", "k1");
    const index = keyedStateIndex(kv());
    expect(index?.complete).toBe(true);
    await store.commit("c", () => put("k2", 200)).settled;
    expect(keyedStateIndex(kv())).toBe(index);
    const m1 = store.mutate("m1", () => put("k3", 300));
    const m2 = store.mutate("m2", () => put("k4", 400));
    expect(keyedStateIndex(kv())).toBe(index);
    await Promise.all([m1.settled, m2.settled]);
    expect(store.state.unsaved).toBe(0);
    expect(keyedStateIndex(kv())).toBe(index);
    expect(
      ["k0", "k1", "k2", "k3", "k4"].map((k) => getEntry(store.read().value, "kv", k)),
    ).toEqual([100, 1, 200, 300, 400]);
    await store.close();
  });
});
