import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKeyedState, type KeyedState } from "../src/index.js";
import { keyedStateTree } from "../src/keyed-state.js";

type TreeNode = {
  readonly keys: string[];
  readonly values?: unknown[];
  readonly children?: TreeNode[];
};

const rootOf = (state: KeyedState<unknown>) =>
  (keyedStateTree(state) as unknown as { _root: TreeNode })._root;

/** The nodes from the root to the leaf that holds `key`. */
function pathTo(state: KeyedState<unknown>, key: string): TreeNode[] {
  const path: TreeNode[] = [];
  let node = rootOf(state);
  path.push(node);
  while (node.children !== undefined) {
    const i = node.keys.findIndex((max) => !(max < key));
    node = node.children[i < 0 ? node.children.length - 1 : i] as TreeNode;
    path.push(node);
  }
  return path;
}

const keyOf = (i: number) => `k${String(i).padStart(5, "0")}`;
const filled = (n: number) =>
  createKeyedState<number>(Array.from({ length: n }, (_, i) => [keyOf(i), i] as const));

describe("replacing the value of a present key", () => {
  it("copies the path to the key's leaf but shares every keys array on it", () => {
    const before = filled(5000);
    const after = before.put(keyOf(1234), -1);
    const oldPath = pathTo(before, keyOf(1234));
    const newPath = pathTo(after, keyOf(1234));
    expect(newPath.length).toBeGreaterThanOrEqual(3);
    newPath.forEach((node, level) => {
      const old = oldPath[level] as TreeNode;
      expect(node).not.toBe(old);
      expect(node.keys).toBe(old.keys);
    });
    const leaf = newPath.at(-1) as TreeNode;
    expect(leaf.values).not.toBe(oldPath.at(-1)?.values);
    expect(after.get(keyOf(1234))).toBe(-1);
    expect(before.get(keyOf(1234))).toBe(1234);
    expect([...after.keys()]).toEqual([...before.keys()]);
  });

  it("does the same for the first put of a batch, and the batch's later changes still apply", () => {
    const before = filled(5000);
    const after = before.batch((draft) => {
      draft.set(keyOf(10), -10);
      draft.set(keyOf(11), -11);
      draft.set("k00010a", 7);
      draft.delete(keyOf(12));
    });
    expect([after.get(keyOf(10)), after.get(keyOf(11)), after.get("k00010a")]).toEqual([
      -10, -11, 7,
    ]);
    expect(after.has(keyOf(12))).toBe(false);
    expect(after.size).toBe(5000);
    expect([before.get(keyOf(10)), before.get(keyOf(11)), before.get(keyOf(12))]).toEqual([
      10, 11, 12,
    ]);
    expect(before.has("k00010a")).toBe(false);
    expect(before.size).toBe(5000);
  });

  it("leaves the older version whole when the same batch then inserts, splits and removes beside it", () => {
    // Even keys present: each odd key lands in the leaf of the even key before it.
    const before = createKeyedState<number>(
      Array.from({ length: 2500 }, (_, i) => [keyOf(2 * i), 2 * i] as const),
    );
    const snapshot = [...before];
    for (const at of [0, 62, 640, 2000, 4998]) {
      const after = before.batch((draft) => {
        draft.set(keyOf(at), -1);
        draft.set(keyOf(at + 1), -2);
        // Enough keys for the leaf to split: its parent inserts a child and a key.
        for (let n = 0; n < 40; n++) draft.set(`${keyOf(at)}${String(n).padStart(2, "0")}`, n);
        draft.delete(keyOf(at + 2));
      });
      expect(after.get(keyOf(at))).toBe(-1);
      expect(after.get(keyOf(at + 1))).toBe(-2);
      expect(after.has(keyOf(at + 2))).toBe(false);
      expect([...before]).toEqual(snapshot);
      // Through the tree's own lookups, which read the inner nodes' keys (not the hash index).
      const tree = keyedStateTree(before) as { get(key: string): number | undefined };
      for (const [key, value] of snapshot) expect(tree.get(key)).toBe(value);
      expect(tree.get(keyOf(at + 1))).toBeUndefined();
    }
  });

  it("never lets a later version change an earlier one (property)", () => {
    type Step =
      | { kind: "put"; key: number; value: number }
      | { kind: "del"; key: number; value: number }
      | { kind: "batch"; keys: number[] };
    const keyIndex = fc.integer({ min: 0, max: 1499 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant("put" as const), key: keyIndex, value: fc.integer() }),
      fc.record({ kind: fc.constant("del" as const), key: keyIndex, value: fc.constant(0) }),
      fc.record({
        kind: fc.constant("batch" as const),
        keys: fc.array(keyIndex, { maxLength: 8 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        // Even keys are present at first, odd ones absent: puts both replace and insert.
        const start = new Map<string, number>();
        for (let i = 0; i < 1500; i += 2) start.set(keyOf(i), i);
        let state = createKeyedState<number>(start);
        let model = new Map(start);
        const versions: [KeyedState<number>, Map<string, number>][] = [[state, model]];
        for (const s of steps) {
          model = new Map(model);
          if (s.kind === "put") {
            state = state.put(keyOf(s.key), s.value);
            model.set(keyOf(s.key), s.value);
          } else if (s.kind === "del") {
            state = state.delete(keyOf(s.key));
            model.delete(keyOf(s.key));
          } else {
            const m = model;
            const keys = s.keys;
            state = state.batch((draft) => {
              for (const [j, k] of keys.entries()) {
                if (j % 3 === 2) draft.delete(keyOf(k));
                else draft.set(keyOf(k), j);
              }
            });
            for (const [j, k] of keys.entries()) {
              if (j % 3 === 2) m.delete(keyOf(k));
              else m.set(keyOf(k), j);
            }
          }
          versions.push([state, model]);
        }
        for (const [version, expected] of versions) {
          expect(version.size).toBe(expected.size);
          expect([...version]).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)));
        }
      }),
      { numRuns: 60 },
    );
  });
});
