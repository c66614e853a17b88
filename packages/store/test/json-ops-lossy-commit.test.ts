// A commit whose values JSON does not keep fails, instead of showing in memory what a reopen
// would not give back.
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getEntry,
  type KeyedCollections,
  type KeyedOp,
  openDurableStore,
} from "../src/index.js";

const DIR = "/data";

function open(fs: ReturnType<typeof createMemoryFs>) {
  return openDurableStore<KeyedCollections, KeyedOp>({
    dir: DIR,
    fs,
    codec: createKeyedCollectionsCodec({ json: createJsonCodec() }),
    ops: createJsonOpsCodec() as never,
    apply: applyKeyedOps,
    empty: emptyCollections,
    compaction: false,
  });
}

describe("a store commit of values JSON does not keep", () => {
  it.each([
    ["NaN", Number.NaN],
    ["Infinity", { n: Number.POSITIVE_INFINITY }],
    ["undefined in an array", [1, undefined]],
    ["undefined as a member", { a: undefined }],
    ["a Date", { at: new Date(0) }],
    ["a BigInt", { n: 1n }],
    ["a function", { f: () => 1 }],
  ])("%s fails ERR_COMMAND, and neither memory nor a reopen shows it", async (_what, value) => {
    const fs = createMemoryFs({ [DIR]: null });
    const { store } = await open(fs);
    await store.commit("ok", () => [{ op: "put", collection: "c", key: "k", value: 1 }]).settled;
    const result = await store.commit("lossy", () => [
      { op: "put", collection: "c", key: "k", value },
    ]).settled;
    expect(result).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_COMMAND", details: { code: "ERR_ENCODE" } },
    });
    expect(getEntry(store.read().value, "c", "k")).toBe(1);
    expect(store.read().seq).toBe(1);
    await store.close();
    const again = await open(fs);
    expect(again.load).toMatchObject({ seq: 1 });
    expect(getEntry(again.store.read().value, "c", "k")).toBe(1);
    await again.store.close();
  });
});
