import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKeyedState, isKeyedState, type KeyedState } from "../src/index.js";
import { keyedStateTree } from "../src/keyed-state.js";

type TreeNode = { readonly keys: unknown[]; readonly children?: TreeNode[] };

/** Every node of the B+ tree behind `state`, by identity. */
function nodesOf(state: KeyedState<unknown>): Set<TreeNode> {
  const tree = keyedStateTree(state) as unknown as { _root: TreeNode };
  const nodes = new Set<TreeNode>();
  const stack = [tree._root];
  while (stack.length > 0) {
    const node = stack.pop() as TreeNode;
    nodes.add(node);
    if (node.children !== undefined) stack.push(...node.children);
  }
  return nodes;
}

function freshNodes(after: KeyedState<unknown>, before: KeyedState<unknown>): number {
  const old = nodesOf(before);
  let fresh = 0;
  for (const node of nodesOf(after)) if (!old.has(node)) fresh++;
  return fresh;
}

function depth(state: KeyedState<unknown>): number {
  let node = (keyedStateTree(state) as unknown as { _root: TreeNode })._root;
  let levels = 1;
  while (node.children !== undefined) {
    node = node.children[0] as TreeNode;
    levels++;
  }
  return levels;
}

const sortedEntries = (model: Map<string, number>) =>
  [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

type Command =
  | { kind: "put"; key: string; value: number }
  | { kind: "delete"; key: string }
  | { kind: "batch"; changes: { key: string; value: number | null }[] };

const key = fc.string({ maxLength: 3, unit: fc.constantFrom("a", "b", "c", "é", "😀", "Z") });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant("delete" as const), key }),
  fc.record({
    kind: fc.constant("batch" as const),
    changes: fc.array(fc.record({ key, value: fc.option(fc.integer()) }), { maxLength: 20 }),
  }),
);

describe("createKeyedState", () => {
  it("behaves like a Map, in key order, and every old version stays as it was (property)", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), (commands) => {
        let state = createKeyedState<number>();
        const model = new Map<string, number>();
        const history: [KeyedState<number>, [string, number][]][] = [];
        for (const c of commands) {
          if (c.kind === "put") {
            state = state.put(c.key, c.value);
            model.set(c.key, c.value);
          } else if (c.kind === "delete") {
            const next = state.delete(c.key);
            if (!model.has(c.key)) expect(next).toBe(state);
            state = next;
            model.delete(c.key);
          } else {
            state = state.batch((draft) => {
              for (const { key: k, value } of c.changes) {
                if (value === null) expect(draft.delete(k)).toBe(model.delete(k));
                else {
                  draft.set(k, value);
                  model.set(k, value);
                }
                expect(draft.size).toBe(model.size);
              }
            });
          }
          expect(state.size).toBe(model.size);
          for (const k of ["", "a", "b", "ab", "é", "😀"]) {
            expect(state.get(k)).toBe(model.get(k));
            expect(state.has(k)).toBe(model.has(k));
          }
          history.push([state, sortedEntries(model)]);
        }
        for (const [version, entries] of history) {
          expect([...version]).toEqual(entries);
          expect([...version.keys()]).toEqual(entries.map(([k]) => k));
          expect([...version.values()]).toEqual(entries.map(([, v]) => v));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("iterates in UTF-16 code-unit order whatever the insertion order", () => {
    const keys = ["b", "a", "😀", "ä", "B", "", "aa", "\uffff", "10", "9"];
    const state = createKeyedState(keys.map((k, i) => [k, i] as const));
    expect([...state.keys()]).toEqual([...keys].sort());
    expect(
      createKeyedState([
        ["x", 1],
        ["x", 2],
      ]).get("x"),
    ).toBe(2);
  });

  it("builds from ascending entries (a snapshot's) the same map, and it changes like any other (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 300 }), key, (keys, extra) => {
        const ascending = [...keys].sort().map((k, i) => [k, i] as const);
        const state = createKeyedState(ascending);
        const oneByOne = createKeyedState([...ascending].reverse());
        expect([...state]).toEqual([...oneByOne]);
        expect(state.size).toBe(keys.length);
        const put = state.put(extra, -1);
        expect([...put]).toEqual([...oneByOne.put(extra, -1)]);
        expect(freshNodes(put, state)).toBeLessThanOrEqual(depth(put));
        expect([...state.delete(extra)]).toEqual([...oneByOne.delete(extra)]);
        expect([...state]).toEqual([...oneByOne]);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects non-string keys with a TypeError", () => {
    expect(() => createKeyedState<number>().put(1 as unknown as string, 1)).toThrow(TypeError);
    expect(() => createKeyedState([[null as unknown as string, 1]])).toThrow(TypeError);
    expect(() => createKeyedState().batch((d) => d.set({} as string, 1))).toThrow(TypeError);
  });

  it("accepts only an iterable of [key, value] pairs as initial entries", () => {
    expect(createKeyedState([["a", 1]]).get("a")).toBe(1);
    for (const bad of ["abc", ["xy"], [["a"]], [["a", 1, 2]], [null], 5]) {
      expect(() => createKeyedState(bad as never), JSON.stringify(bad)).toThrow(TypeError);
    }
  });

  it("a draft is dead after batch() returns, and a throwing batch leaves no new version", () => {
    const base = createKeyedState([["a", 1]]);
    let leaked: { set(k: string, v: number): void } | undefined;
    const next = base.batch((draft) => {
      leaked = draft;
      draft.set("b", 2);
    });
    expect(() => leaked?.set("c", 3)).toThrow(TypeError);
    expect([...next.keys()]).toEqual(["a", "b"]);
    expect(() =>
      base.batch((draft) => {
        draft.set("z", 9);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect([...base]).toEqual([["a", 1]]);
    expect(base.batch(() => {})).toBe(base);
    expect(isKeyedState(base)).toBe(true);
    expect(isKeyedState(new Map())).toBe(false);
  });

  it("refuses a key that is not a string in every read and delete, whether or not reads built the index", () => {
    const entries = Array.from({ length: 2000 }, (_, i) => [`k${i}`, i] as [string, number]);
    const cold = createKeyedState(entries);
    const warm = createKeyedState(entries);
    for (let i = 0; i < 200; i++) expect(warm.get(`k${i}`)).toBe(i);
    for (const state of [cold, warm]) {
      for (const key of [5, null, undefined, {}, ["k1"]]) {
        const bad = key as unknown as string;
        expect(() => state.get(bad)).toThrow(TypeError);
        expect(() => state.has(bad)).toThrow(TypeError);
        expect(() => state.delete(bad)).toThrow(TypeError);
        for (const use of [
          (d: { get(k: string): unknown }) => d.get(bad),
          (d: { has(k: string): unknown }) => d.has(bad),
          (d: { delete(k: string): unknown }) => d.delete(bad),
        ]) {
          expect(() => state.batch((draft) => use(draft))).toThrow(TypeError);
        }
      }
      expect(state.size).toBe(2000);
      for (const [key, value] of entries) expect(state.get(key)).toBe(value);
      expect([...state.keys()]).toEqual(entries.map(([key]) => key).sort());
    }
  });

  describe("structural sharing on 1M entries", () => {
    const n = 1_000_000;
    const big = createKeyedState<number>(
      (function* () {
        for (let i = 0; i < n; i++) yield [`k${i}`, i] as const;
      })(),
    );
    const levels = depth(big);

    it("a put makes at most one new node per level and leaves the old version unchanged", () => {
      expect(big.size).toBe(n);
      expect(levels).toBeLessThanOrEqual(6);
      const replaced = big.put("k500000", -1);
      const added = big.put("new-key", 42);
      expect(freshNodes(replaced, big)).toBeLessThanOrEqual(levels);
      expect(freshNodes(added, big)).toBeLessThanOrEqual(levels + 1);
      expect(replaced.get("k500000")).toBe(-1);
      expect(added.get("new-key")).toBe(42);
      expect(added.size).toBe(n + 1);
      expect(big.get("k500000")).toBe(500000);
      expect(big.has("new-key")).toBe(false);
      expect(big.size).toBe(n);
    });

    it("a delete makes at most one new node per level (plus a merged sibling)", () => {
      const removed = big.delete("k123456");
      expect(freshNodes(removed, big)).toBeLessThanOrEqual(2 * levels);
      expect(removed.has("k123456")).toBe(false);
      expect(removed.size).toBe(n - 1);
      expect(big.get("k123456")).toBe(123456);
    });

    it("a batch of k changes copies O(k log n) nodes, each shared node at most once", () => {
      const k = 100;
      const changed = big.batch((draft) => {
        for (let i = 0; i < k; i++) draft.set(`k${(i * 9973) % n}`, -i);
      });
      expect(freshNodes(changed, big)).toBeLessThanOrEqual(k * levels);
      expect(nodesOf(big).size).toBeGreaterThan(10 * k * levels);
      expect(changed.get("k9973")).toBe(-1);
      expect(big.get("k9973")).toBe(9973);
    });
  });
});
