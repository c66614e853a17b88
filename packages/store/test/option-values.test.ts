import type { Clock } from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openFollowerStore } from "../src/index.js";
import { add, counterFiles, DIR, openCounters } from "./counters.js";

const TOO_LONG = MAX_TIMER_MS + 1;

/** A manual clock that records every delay it is asked to wait. */
function recordingClock(): Clock & { readonly delays: number[] } {
  const inner = createManualClock();
  const delays: number[] = [];
  return {
    delays,
    now: () => inner.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      return inner.setTimeout(fn, ms);
    },
    clearTimeout: (handle) => inner.clearTimeout(handle),
  };
}

describe("timer options are bounded by the longest delay Node's timers wait", () => {
  it.each([
    ["durability.intervalMs", { durability: { intervalMs: TOO_LONG } }],
    ["writeBehind.debounceMs", { writeBehind: { debounceMs: TOO_LONG, maxDelayMs: TOO_LONG } }],
    ["writeBehind.maxDelayMs", { writeBehind: { maxDelayMs: TOO_LONG } }],
  ])(
    "openDurableStore refuses %s above it with a RangeError naming the option and the bound, touching nothing",
    async (name, extra) => {
      const fs = createMemoryFs({});
      await expect(openCounters(fs, extra)).rejects.toThrow(
        new RangeError(`openDurableStore: ${name} must be <= ${MAX_TIMER_MS}, got ${TOO_LONG}`),
      );
      expect(await fs.readdir("/")).toEqual([]);
    },
  );

  it("openDurableStore arms the write-behind timer for the full bound, never a 1 ms overflow", async () => {
    const clock = recordingClock();
    const { store } = await openCounters(createMemoryFs({}), {
      clock,
      durability: { intervalMs: MAX_TIMER_MS },
      writeBehind: { debounceMs: MAX_TIMER_MS, maxDelayMs: MAX_TIMER_MS },
    });
    store.mutate("m", () => [add("a")]);
    expect(clock.delays).toContain(MAX_TIMER_MS);
    expect(clock.delays.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    expect(store.health().unsaved).toBe(1);
    expect((await store.close()).committedSeq).toBe(1);
  });

  it("openFollowerStore refuses refresh.intervalMs above it, and polls at the bound itself", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const clock = recordingClock();
    const options = { ...counterFiles(fs), clock };
    await expect(
      openFollowerStore({ ...options, refresh: { intervalMs: TOO_LONG } }),
    ).rejects.toThrow(
      new RangeError(
        `openFollowerStore: refresh.intervalMs must be <= ${MAX_TIMER_MS}, got ${TOO_LONG}`,
      ),
    );
    const { store } = await openFollowerStore({
      ...options,
      refresh: { intervalMs: MAX_TIMER_MS },
    });
    expect(clock.delays).toEqual([MAX_TIMER_MS]);
    await store.close();
  });
});

describe("a numeric option that is no number is a TypeError saying so and what was given", () => {
  const followerOptions = (fs: ReturnType<typeof createMemoryFs>) => counterFiles(fs);

  it.each([
    [null, "null"],
    ["250", "string"],
    [true, "boolean"],
    [{}, "object"],
  ])("openFollowerStore refresh.intervalMs %j, touching nothing", async (intervalMs, got) => {
    const fs = createMemoryFs({ [DIR]: null });
    await expect(
      openFollowerStore({ ...followerOptions(fs), refresh: { intervalMs: intervalMs as never } }),
    ).rejects.toThrow(
      new TypeError(`openFollowerStore: refresh.intervalMs must be a number, got ${got}`),
    );
    expect(await fs.readdir(DIR)).toEqual([]);
  });

  it.each([
    ["maxRecordBytes", { maxRecordBytes: "1024" }],
    ["replaySliceMs", { replaySliceMs: false }],
  ])("openFollowerStore %s", async (name, extra) => {
    const fs = createMemoryFs({ [DIR]: null });
    const got = typeof Object.values(extra)[0];
    await expect(
      openFollowerStore({
        ...followerOptions(fs),
        refresh: { intervalMs: 100 },
        ...extra,
      } as never),
    ).rejects.toThrow(new TypeError(`openFollowerStore: ${name} must be a number, got ${got}`));
  });

  it.each([
    ["durability.intervalMs", "null", { durability: { intervalMs: null } }],
    ["groupCommit.maxBytes", "string", { groupCommit: { maxBytes: "1" } }],
    ["groupCommit.smallFirstBytes", "boolean", { groupCommit: { smallFirstBytes: true } }],
    ["groupCommit.maxCommands", "object", { groupCommit: { maxCommands: [] } }],
    ["writeBehind.debounceMs", "string", { writeBehind: { debounceMs: "5" } }],
    ["writeBehind.maxDelayMs", "string", { writeBehind: { maxDelayMs: "5" } }],
    ["maxRecordBytes", "bigint", { maxRecordBytes: 5n }],
    ["maxSegmentBytes", "string", { maxSegmentBytes: "4096" }],
    ["replaySliceMs", "object", { replaySliceMs: {} }],
    ["compaction.keep", "string", { compaction: { keep: "2" } }],
    ["compaction.minBytes", "null", { compaction: { minBytes: null } }],
    ["compaction.ratio", "string", { compaction: { ratio: "2" } }],
  ])("openDurableStore %s given %s, touching nothing", async (name, got, extra) => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, extra as never)).rejects.toThrow(
      new TypeError(`openDurableStore: ${name} must be a number, got ${got}`),
    );
    expect(await fs.readdir("/")).toEqual([]);
  });
});

describe("null is no default: a numeric option or option group given as null is a TypeError", () => {
  it.each([
    ["groupCommit.maxBytes", { groupCommit: { maxBytes: null } }],
    ["groupCommit.maxCommands", { groupCommit: { maxCommands: null } }],
    ["writeBehind.debounceMs", { writeBehind: { debounceMs: null } }],
    ["maxRecordBytes", { maxRecordBytes: null }],
    ["maxSegmentBytes", { maxSegmentBytes: null }],
    ["replaySliceMs", { replaySliceMs: null }],
    ["compaction.keep", { compaction: { keep: null } }],
  ])("openDurableStore %s: null, touching nothing", async (name, extra) => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, extra as never)).rejects.toThrow(
      new TypeError(`openDurableStore: ${name} must be a number, got null`),
    );
    expect(await fs.readdir("/")).toEqual([]);
  });

  it.each([
    ["groupCommit", { groupCommit: null }, /groupCommit must be an object .*, got null/],
    ["writeBehind", { writeBehind: null }, /writeBehind must be an object .*, got null/],
    ["writeBehind", { writeBehind: 5 }, /writeBehind must be an object .*, got number/],
    ["durability", { durability: null }, /durability must be "commit", "os" or \{ intervalMs \}/],
  ])("openDurableStore %s given %j, touching nothing", async (_name, extra, message) => {
    const fs = createMemoryFs({});
    const opening = openCounters(fs, extra as never);
    await expect(opening).rejects.toThrow(TypeError);
    await expect(opening).rejects.toThrow(message);
    expect(await fs.readdir("/")).toEqual([]);
  });

  it.each([
    ["maxRecordBytes", { maxRecordBytes: null }],
    ["replaySliceMs", { replaySliceMs: null }],
  ])("openFollowerStore %s: null", async (name, extra) => {
    const fs = createMemoryFs({ [DIR]: null });
    await expect(
      openFollowerStore({ ...counterFiles(fs), refresh: { intervalMs: 100 }, ...extra } as never),
    ).rejects.toThrow(new TypeError(`openFollowerStore: ${name} must be a number, got null`));
    expect(await fs.readdir(DIR)).toEqual([]);
  });
});

const SAFE = `-${Number.MAX_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`;

describe("compaction and loadExternal are checked at open", () => {
  it.each([
    ["compaction.ratio must not be NaN", { ratio: Number.NaN }],
    ["compaction.minBytes must not be NaN", { minBytes: Number.NaN }],
    ["compaction.maxRecords must not be NaN", { maxRecords: Number.NaN }],
    ["compaction.maxAgeMs must not be NaN", { maxAgeMs: Number.NaN }],
    ["compaction.maxRecords must be >= 1, got -1", { maxRecords: -1 }],
    ["compaction.maxRecords must be an integer, got 2.5", { maxRecords: 2.5 }],
    ["compaction.maxAgeMs must be >= 0, got -1", { maxAgeMs: -1 }],
    ["compaction.ratio must be >= 0, got -1", { ratio: -1 }],
    ["compaction.minBytes must be >= 0, got -1", { minBytes: -1 }],
    [`compaction.minBytes must be a safe integer (${SAFE}), got 1e+300`, { minBytes: 1e300 }],
    [
      `compaction.maxRecords must be a safe integer (${SAFE}), got ${2 ** 53}`,
      { maxRecords: 2 ** 53 },
    ],
  ])("a RangeError for %s, touching nothing", async (message, compaction) => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, { compaction })).rejects.toThrow(
      new RangeError(`openDurableStore: ${message}`),
    );
    expect(await fs.readdir("/")).toEqual([]);
  });

  it("a TypeError for a compaction that is no object or a value that is no number", async () => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, { compaction: true as never })).rejects.toThrow(
      /^openDurableStore: compaction must be false or \{/,
    );
    await expect(openCounters(fs, { compaction: { ratio: "2" as never } })).rejects.toThrow(
      new TypeError("openDurableStore: compaction.ratio must be a number, got string"),
    );
  });

  it("a TypeError for a loadExternal that is not a function", async () => {
    const fs = createMemoryFs({});
    await expect(openCounters(fs, { loadExternal: 5 as never })).rejects.toThrow(
      /^openDurableStore: loadExternal must be a function/,
    );
    expect(await fs.readdir("/")).toEqual([]);
  });

  it("accepts Infinity to turn a trigger off, zero bytes and ratio, and false", async () => {
    const fs = createMemoryFs({});
    for (const compaction of [
      { minBytes: Number.POSITIVE_INFINITY, maxRecords: Number.POSITIVE_INFINITY },
      { ratio: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY },
      { minBytes: 0, ratio: 0, maxAgeMs: 0, maxRecords: 1 },
      false as const,
    ]) {
      const { store } = await openCounters(fs, { compaction });
      await store.close();
    }
  });
});
