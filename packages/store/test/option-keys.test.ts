import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openFollowerStore } from "../src/index.js";
import { addOpsCodec, applyAdds, countersCodec, DIR, openCounters } from "./counters.js";

describe("unknown option keys", () => {
  it("openDurableStore refuses one with a TypeError naming it, at the top level and nested, before any file is touched", async () => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, { durabilty: "os" } as never)).rejects.toThrow(
      /^openDurableStore: unknown option "durabilty"; known: dir, name, fs, codec, ops, apply, empty, replay, durability, /,
    );
    for (const [key, value, named] of [
      ["groupCommit", { maxCommand: 5 }, "groupCommit.maxCommand"],
      ["writeBehind", { debounce: 5 }, "writeBehind.debounce"],
      ["compaction", { keepLast: 5 }, "compaction.keepLast"],
      ["durability", { interval: 5 }, "durability.interval"],
    ] as const) {
      await expect(openCounters(fs, { [key]: value } as never), named).rejects.toThrow(
        new RegExp(`^openDurableStore: unknown option "${named.replace(".", "\\.")}"; known: `),
      );
    }
    // The two names of the design's sketch that live elsewhere say where.
    await expect(openCounters(fs, { refresh: { intervalMs: 1_000 } } as never)).rejects.toThrow(
      /^openDurableStore: unknown option "refresh"; .*openFollowerStore\(\{ refresh/,
    );
    await expect(openCounters(fs, { executor: "worker" } as never)).rejects.toThrow(
      /^openDurableStore: unknown option "executor"; .*`replica` option/,
    );
    expect(await fs.readdir("/")).toEqual([]);
    // Every documented key, nested ones included, is known.
    const { store } = await openCounters(fs, {
      name: "store",
      durability: { intervalMs: 50 },
      groupCommit: { maxBytes: 4096, smallFirstBytes: 1024, maxCommands: 8 },
      writeBehind: { debounceMs: 1, maxDelayMs: 2 },
      compaction: { minBytes: 1, ratio: 1, maxRecords: 10, maxAgeMs: 1000, keep: 2 },
      recovery: "tolerate-tail",
      clock: undefined,
      maxSegmentBytes: 1 << 20,
      maxRecordBytes: 1 << 16,
      lock: undefined,
      loadExternal: undefined,
      replaySliceMs: 8,
      replica: undefined,
      replay: undefined,
    });
    await store.close();
  });

  it("openFollowerStore refuses one with a TypeError naming it, also inside refresh", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const options = {
      dir: DIR,
      fs,
      codec: countersCodec,
      ops: addOpsCodec,
      apply: applyAdds,
      empty: () => Object.freeze({}),
      refresh: { intervalMs: 1_000 },
    };
    await expect(openFollowerStore({ ...options, durability: "os" } as never)).rejects.toThrow(
      /^openFollowerStore: unknown option "durability"; known: dir, name, fs, codec, ops, apply, empty, replay, refresh, /,
    );
    await expect(
      openFollowerStore({ ...options, refresh: { intervalMs: 1_000, every: 5 } } as never),
    ).rejects.toThrow(
      new TypeError('openFollowerStore: unknown option "refresh.every"; known: refresh.intervalMs'),
    );
    const { store } = await openFollowerStore({
      ...options,
      name: "store",
      clock: undefined,
      maxRecordBytes: 1 << 16,
      replaySliceMs: 8,
      replay: undefined,
    });
    await store.close();
  });
});
