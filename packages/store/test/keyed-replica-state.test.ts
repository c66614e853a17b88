import { createJsonCodec } from "@snapwrite/formats-json";
import { describe, expect, it } from "vitest";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  createKeyedReplicaState,
  createKeyedState,
  emptyCollections,
  type KeyedCollections,
  type KeyedOp,
  withCollection,
} from "../src/index.js";

const codec = createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }) });
const bytes = (chunks: Iterable<Uint8Array>) => Buffer.concat([...chunks]).toString("hex");

const batches: KeyedOp[][] = [
  [
    { op: "put", collection: "assets", key: "b", value: { n: 2 } },
    { op: "put", collection: "assets", key: "a", value: { n: 1 } },
    { op: "put", collection: "meta", key: "v", value: 1 },
  ],
  [
    { op: "merge", collection: "assets", key: "a", value: { owner: "x" } },
    { op: "del", collection: "assets", key: "b" },
  ],
  [{ op: "clear", collection: "meta" }],
];

describe("createKeyedReplicaState", () => {
  it("applies batches as applyKeyedOps does and encodes the codec's bytes", () => {
    const state = createKeyedReplicaState({ codec });
    state.load(undefined);
    expect(bytes(state.encode())).toBe(bytes(codec.encode(emptyCollections())));
    let owner: KeyedCollections = emptyCollections();
    for (const batch of batches) {
      state.apply(batch);
      owner = applyKeyedOps(owner, batch);
      expect(bytes(state.encode())).toBe(bytes(codec.encode(owner)));
    }
    expect(Object.keys(state.value)).toEqual(["assets"]);
  });

  it("loads a snapshot file, and empties itself with empty() for undefined", () => {
    const saved = withCollection(emptyCollections(), "k", createKeyedState([["x", [1, 2]]]));
    const file = Buffer.concat([...codec.encode(saved)]);
    const seeded = withCollection(emptyCollections(), "seed", createKeyedState([["s", true]]));
    const state = createKeyedReplicaState({ codec, empty: () => seeded });
    expect(state.value).toBe(seeded);
    state.load(file);
    expect(bytes(state.encode())).toBe(file.toString("hex"));
    state.load(undefined);
    expect(state.value).toBe(seeded);
    expect(() => state.load(new Uint8Array([1, 2, 3]))).toThrow();
  });

  it("keeps its state when a batch does not apply", () => {
    const state = createKeyedReplicaState({ codec });
    state.apply([{ op: "put", collection: "c", key: "k", value: "text" }]);
    const before = state.value;
    expect(() =>
      state.apply([
        { op: "put", collection: "c", key: "j", value: 1 },
        { op: "merge", collection: "c", key: "k", value: { a: 1 } },
      ]),
    ).toThrow(expect.objectContaining({ code: "ERR_CONFLICT" }));
    expect(() => state.apply([{ op: "nope" } as never])).toThrow(TypeError);
    expect(state.value).toBe(before);
  });

  it("refuses options without a codec", () => {
    expect(() => createKeyedReplicaState(undefined as never)).toThrow(TypeError);
    expect(() => createKeyedReplicaState({ codec: {} as never })).toThrow(TypeError);
    expect(() => createKeyedReplicaState({ codec, empty: 3 as never })).toThrow(TypeError);
  });
});
