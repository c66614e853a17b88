import { isPersistenceError } from "@snapwrite/core";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  type KeyedCollections,
  type KeyedOp,
  openDurableStore,
} from "../src/index.js";

const DIR = "/data";

function open(fs: ReturnType<typeof createMemoryFs>, version: number) {
  return openDurableStore<KeyedCollections, KeyedOp>({
    dir: DIR,
    fs,
    codec: createKeyedCollectionsCodec({ json: createJsonCodec({ version }) }),
    ops: createJsonOpsCodec() as never,
    apply: applyKeyedOps,
    empty: emptyCollections,
    compaction: false,
  });
}

describe("a store's warm load of a snapshot its codec cannot read", () => {
  it("rejects with ERR_UNSUPPORTED and leaves the newer snapshot in place", async () => {
    const fs = createMemoryFs();
    const { store } = await open(fs, 2);
    const put: KeyedOp = { op: "put", collection: "notes", key: "1", value: "by version 2" };
    expect((await store.commit("c", () => [put]).settled).ok).toBe(true);
    await store.compact("test");
    await store.close();
    const before = fs.toJSON();
    expect(Object.keys(before).some((name) => name.includes(".snap."))).toBe(true);

    const error = await open(fs, 1).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isPersistenceError(error, "ERR_UNSUPPORTED")).toBe(true);
    expect((error as Error).message).toMatch(/newer version 2/);
    expect(fs.toJSON()).toEqual(before);
  });
});
