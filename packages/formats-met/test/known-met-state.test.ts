import { concatChunks } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyKnownMetOps,
  applyKnownMetStateOps,
  createKnownMetCodec,
  createKnownMetStateCodec,
  emptyKnownMetState,
  isKnownMetState,
  type KnownFileRecord,
  type KnownMet,
  type KnownMetOp,
  type KnownMetState,
  knownMetCodec,
  knownMetOps,
  knownMetStateCodec,
  knownMetStateFrom,
} from "../src/index.js";
import { knownMetStateParts } from "../src/known-met/known-met-state.js";
import {
  hashOf,
  headerArb,
  hex,
  hexOf,
  opArbOf,
  record,
  recordArb,
} from "./support/known-met-arbitraries.js";

const opArb = opArbOf(11);

const smallOwner = createKnownMetCodec({ chunkSize: 64 });
const smallState = createKnownMetStateCodec({ chunkSize: 64 });

/** Checks that `state` holds `owner`: records, order, reads by hash, and the very same chunks. */
function expectSame(state: KnownMetState, owner: KnownMet): void {
  expect(state.header).toBe(owner.header);
  expect(state.size).toBe(owner.records.length);
  expect([...state].map((r) => hexOf(r.bytes))).toEqual(owner.records.map((r) => hexOf(r.bytes)));
  for (let id = 0; id < 12; id++) {
    const first = owner.records.find((r) => r.hash[0] === id);
    expect(state.has(hashOf(id))).toBe(first !== undefined);
    expect(state.get(hashOf(id))?.bytes).toEqual(first?.bytes);
  }
  expect([...smallState.encode(state)].map(hexOf)).toEqual(
    [...smallOwner.encode(owner)].map(hexOf),
  );
}

type TreeNode = { readonly keys: unknown[]; readonly children?: TreeNode[] };
type TreeOf = { readonly _root: TreeNode };

function treesOf(state: KnownMetState): TreeOf[] {
  const parts = knownMetStateParts(state);
  if (parts === undefined) throw new Error("not a KnownMetState");
  return [parts.byOrder as unknown as TreeOf, parts.firstOf as unknown as TreeOf];
}

/** Every node of the trees behind `state`, by identity. */
function nodesOf(state: KnownMetState): Set<TreeNode> {
  const nodes = new Set<TreeNode>();
  const stack = treesOf(state).map((tree) => tree._root);
  while (stack.length > 0) {
    const node = stack.pop() as TreeNode;
    nodes.add(node);
    if (node.children !== undefined) stack.push(...node.children);
  }
  return nodes;
}

function depthOf(tree: TreeOf): number {
  let node = tree._root;
  let levels = 1;
  while (node.children !== undefined) {
    node = node.children[0] as TreeNode;
    levels++;
  }
  return levels;
}

describe("KnownMetState", () => {
  it("holds what applyKnownMetOps gives and encodes what knownMetCodec encodes (property)", () => {
    fc.assert(
      fc.property(
        headerArb,
        fc.array(recordArb, { maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 6 }),
        (header, records, decoded, batches) => {
          // A loaded snapshot (records are views of one buffer, duplicates kept) or plain records.
          let owner: KnownMet = { header, records };
          let state = knownMetStateFrom(owner);
          if (decoded) {
            const bytes = concatChunks([...knownMetCodec.encode(owner)]);
            owner = knownMetCodec.decode(bytes);
            state = knownMetStateCodec.decode(bytes);
          }
          expectSame(state, owner);
          const versions: [KnownMetState, KnownMet][] = [[state, owner]];
          for (const ops of batches) {
            owner = { header: owner.header, records: applyKnownMetOps(owner.records, ops) };
            // The ops as the journal holds them, as a store replays them.
            state = applyKnownMetStateOps(state, knownMetOps.decode(knownMetOps.encode(ops)));
            expectSame(state, owner);
            versions.push([state, owner]);
          }
          // Every earlier version is as it was.
          for (const [oldState, oldOwner] of versions) expectSame(oldState, oldOwner);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("copies O(log n) nodes for one op on a 100,000-record state and leaves the old one alone", () => {
    const n = 100_000;
    const records = Array.from({ length: n }, (_, i) => record(i, i, `file ${i}`));
    const bytes = concatChunks([...knownMetCodec.encode({ header: "auto", records })]);
    const before = knownMetStateCodec.decode(bytes);
    const [byOrder, firstOf] = treesOf(before) as [TreeOf, TreeOf];
    const depth = depthOf(byOrder) + depthOf(firstOf);
    expect(depth).toBeLessThanOrEqual(10);
    const old = nodesOf(before);
    expect(old.size).toBeGreaterThan(n / 64);
    const cases: KnownMetOp[][] = [
      [{ op: "upsert", record: record(50_000, 1, "replaced") }],
      [{ op: "upsert", record: record(n + 7, 1, "appended") }],
      [{ op: "remove", hash: hashOf(12_345) }],
    ];
    for (const ops of cases) {
      const after = applyKnownMetStateOps(before, ops);
      let fresh = 0;
      for (const node of nodesOf(after)) if (!old.has(node)) fresh++;
      // A path per tree, plus a split or merge neighbour per level and a new root at most.
      expect(fresh).toBeGreaterThan(0);
      expect(fresh).toBeLessThanOrEqual(2 * depth + 1);
    }
    const replaced = applyKnownMetStateOps(before, cases[0] as KnownMetOp[]);
    expect(replaced.get(hashOf(50_000))?.bytes).toEqual(record(50_000, 1, "replaced").bytes);
    expect(before.get(hashOf(50_000))?.bytes).toEqual(records[50_000]?.bytes);
    expect(before.size).toBe(n);
    // The old state still writes the loaded file, in the same chunks as the list codec.
    const chunks = [...knownMetStateCodec.encode(before)];
    expect(chunks.map(hexOf)).toEqual(
      [...knownMetCodec.encode(knownMetCodec.decode(bytes))].map(hexOf),
    );
    expect(hexOf(concatChunks(chunks))).toBe(hexOf(bytes));
    // "auto" scans the records in steps separated by empty chunks, as the list encoder does.
    const auto = [...knownMetStateCodec.encode(knownMetStateFrom({ header: "auto", records }))];
    expect(auto.some((chunk) => chunk.byteLength === 0)).toBe(true);
    expect(auto.map(hexOf)).toEqual(
      [...knownMetCodec.encode({ header: "auto", records })].map(hexOf),
    );
  });

  it("returns the state itself for no ops, and applies nothing for a malformed op", () => {
    const state = knownMetStateFrom({ header: 0x0e, records: [record(1, 1, "a")] });
    expect(applyKnownMetStateOps(state, [])).toBe(state);
    const bad: unknown[][] = [
      [
        { op: "remove", hash: hashOf(1) },
        { op: "remove", hash: new Uint8Array(3) },
      ],
      [{ op: "upsert", record: {} }],
      [{ op: "delete", hash: hashOf(1) }],
    ];
    for (const ops of bad) {
      expect(() => applyKnownMetStateOps(state, ops as KnownMetOp[])).toThrow(TypeError);
    }
    expect(() => applyKnownMetStateOps(state, {} as never)).toThrow(TypeError);
    expect(() => applyKnownMetStateOps({} as never, [])).toThrow(TypeError);
    expect(state.size).toBe(1);
    expect(state.has(hashOf(1))).toBe(true);
  });

  it("starts empty with the store's header and turns back into a KnownMet", () => {
    for (const header of ["auto", 0x0e, 0x0f] as const) {
      const empty = emptyKnownMetState(header);
      expect(isKnownMetState(empty)).toBe(true);
      expect(empty.size).toBe(0);
      expect(hex(knownMetStateCodec.encode(empty))).toBe(
        hex(knownMetCodec.encode({ header, records: [] })),
      );
    }
    expect(emptyKnownMetState().header).toBe("auto");
    const a = record(1, 1, "a");
    const state = applyKnownMetStateOps(emptyKnownMetState(0x0f), [{ op: "upsert", record: a }]);
    expect(state.toKnownMet()).toEqual({ header: 0x0f, records: [a] });
    expect(state.get(a.hash)).toBe(a);
    expect(() => state.get(new Uint8Array(2))).toThrow(TypeError);
    expect(isKnownMetState({ header: "auto", records: [] })).toBe(false);
  });

  it("refuses bad input: TypeError to build, ERR_CORRUPT to decode, ERR_ENCODE to encode", () => {
    expect(() => emptyKnownMetState(3 as never)).toThrow(TypeError);
    expect(() => knownMetStateFrom({ header: "auto", records: {} as never })).toThrow(TypeError);
    expect(() => knownMetStateFrom({ header: "auto", records: [{} as never] })).toThrow(
      /records\[0\]\.hash/,
    );
    expect(() => knownMetStateCodec.decode(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: "ERR_CORRUPT" }),
    );
    expect(() => [...knownMetStateCodec.encode({ header: "auto", records: [] } as never)]).toThrow(
      expect.objectContaining({ code: "ERR_ENCODE" }),
    );
    const broken = { hash: hashOf(2), bytes: new Uint8Array(3) } as KnownFileRecord;
    const state = knownMetStateFrom({ header: 0x0e, records: [record(1, 1, "a"), broken] });
    expect(() => [...knownMetStateCodec.encode(state)]).toThrow(
      expect.objectContaining({ code: "ERR_ENCODE", details: { record: 1 } }),
    );
    expect(() => createKnownMetStateCodec({ chunkSize: 10 })).toThrow(RangeError);
  });
});
