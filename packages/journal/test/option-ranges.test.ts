import type { Clock, FsPort } from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { createFaultyFs, createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, openJournal, readAppendLog } from "../src/index.js";
import { enc, policyError, safeIntegerFrom } from "./helpers.js";

/** A manual clock that also records every delay it was asked to wait. */
function recordingClock(): Clock & { readonly delays: number[] } {
  const clock = createManualClock(1_000);
  const delays: number[] = [];
  return {
    delays,
    now: () => clock.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      return clock.setTimeout(fn, ms);
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

type Open = (extra: Record<string, unknown>) => Promise<{ close(): Promise<unknown> }>;

const callers: [caller: string, dir: string, open: (fs: FsPort) => Open][] = [
  [
    "openAppendLog",
    "/logs",
    (fs) => (extra) => openAppendLog({ fs, path: "/logs/a.jsonl", ...extra } as never),
  ],
  ["openJournal", "/j", (fs) => (extra) => openJournal({ fs, dir: "/j", name: "db", ...extra })],
];

describe("durability.intervalMs must fit a timer", () => {
  for (const [caller, dir, opener] of callers) {
    it(`${caller}: beyond 2^31 − 1 ms (a timer would fire every 1 ms) or not a whole positive ms is a RangeError naming the bound, before any file is touched`, async () => {
      const fs = createMemoryFs({ [dir]: null });
      const open = opener(fs);
      const bad = [
        MAX_TIMER_MS + 1,
        2 ** 40,
        1e12,
        0,
        -5,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ];
      for (const intervalMs of bad) {
        const bounds = { min: 1, max: MAX_TIMER_MS, integer: true };
        await expect(open({ durability: { intervalMs } }), String(intervalMs)).rejects.toThrow(
          policyError(`${caller}: durability.intervalMs`, intervalMs, bounds),
        );
      }
      await expect(open({ durability: { intervalMs: MAX_TIMER_MS + 1 } })).rejects.toThrow(
        new RangeError(
          `${caller}: durability.intervalMs must be <= ${MAX_TIMER_MS}, got ${MAX_TIMER_MS + 1}`,
        ),
      );
      await expect(open({ durability: { intervalMs: null } })).rejects.toThrow(
        new TypeError(`${caller}: durability.intervalMs must be a number, got null`),
      );
      await expect(open({ durability: { intervalMs: "50" } })).rejects.toThrow(
        new TypeError(`${caller}: durability.intervalMs must be a number, got string`),
      );
      await expect(open({ durability: {} })).rejects.toThrow(
        new TypeError(`${caller}: durability.intervalMs must be a number, got undefined`),
      );
      expect(await fs.readdir(dir)).toEqual([]);
    });

    it(`${caller}: the bounds themselves are accepted and armed as given`, async () => {
      for (const intervalMs of [1, MAX_TIMER_MS]) {
        const clock = recordingClock();
        const log = await opener(createMemoryFs({ [dir]: null }))({
          clock,
          durability: { intervalMs },
        });
        expect(clock.delays).toEqual([intervalMs]);
        await log.close();
      }
    });
  }
});

describe("append log rotation options", () => {
  const fs = createMemoryFs({ "/logs": null });
  const open = (rotate: Record<string, unknown>) =>
    openAppendLog({ fs, path: "/logs/a.jsonl", rotate } as never);

  it("maxBytes, keep and maxTotalBytes are counts: a positive integer, else a RangeError (TypeError for no number)", async () => {
    for (const key of ["maxBytes", "keep", "maxTotalBytes"]) {
      for (const value of [1.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
        await expect(open({ [key]: value }), `${key} ${value}`).rejects.toThrow(
          policyError(`openAppendLog: rotate.${key}`, value, safeIntegerFrom(1)),
        );
      }
      await expect(open({ [key]: 0 })).rejects.toThrow(RangeError);
      await expect(open({ [key]: null })).rejects.toThrow(
        new TypeError(`openAppendLog: rotate.${key} must be a number, got null`),
      );
      await expect(open({ [key]: "10" })).rejects.toThrow(
        new TypeError(`openAppendLog: rotate.${key} must be a number, got string`),
      );
    }
    expect(await fs.readdir("/logs")).toEqual([]);
  });

  it("maxAgeMs is a positive finite number; it feeds no timer, so an age beyond 2^31 − 1 ms works", async () => {
    for (const maxAgeMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(open({ maxAgeMs }), String(maxAgeMs)).rejects.toThrow(
        policyError("openAppendLog: rotate.maxAgeMs", maxAgeMs, { min: 0 }),
      );
    }
    await expect(open({ maxAgeMs: 0 })).rejects.toThrow(
      new RangeError("openAppendLog: rotate.maxAgeMs must be > 0, got 0"),
    );
    await expect(open({ maxAgeMs: "1" })).rejects.toThrow(
      new TypeError("openAppendLog: rotate.maxAgeMs must be a number, got string"),
    );
    expect(await fs.readdir("/logs")).toEqual([]);
    const clock = createManualClock(1_000);
    const maxAgeMs = 40 * 24 * 3600 * 1000;
    const log = await openAppendLog({
      fs,
      path: "/logs/a.jsonl",
      clock,
      lock: false,
      rotate: { maxAgeMs },
    });
    await log.append("a");
    clock.advance(maxAgeMs - 1);
    await log.append("b");
    expect(await fs.readdir("/logs")).toEqual(["a.jsonl"]);
    clock.advance(1);
    await log.append("c");
    await log.close();
    expect((await fs.readdir("/logs")).sort()).toEqual(["a.0000000000000001.jsonl", "a.jsonl"]);
    const values: unknown[] = [];
    for await (const e of readAppendLog({ fs, path: "/logs/a.jsonl" }))
      if (!("problem" in e)) values.push(e.value);
    expect(values).toEqual(["a", "b", "c"]);
  });
});

describe("journal group options", () => {
  it("group bounds are safe integers (RangeError): maxBytes from 1, smallFirstBytes from 0, so no group size can be fractional", async () => {
    const fs = createMemoryFs({ "/j": null });
    for (const [key, min] of [
      ["maxBytes", 1],
      ["smallFirstBytes", 0],
    ] as const) {
      for (const value of [min - 1, 1.5, Number.NaN, 2 ** 60]) {
        await expect(
          openJournal({ fs, dir: "/j", name: "db", group: { [key]: value } }),
        ).rejects.toThrow(policyError(`openJournal: group.${key}`, value, safeIntegerFrom(min)));
      }
      await expect(
        openJournal({ fs, dir: "/j", name: "db", group: { [key]: null } } as never),
      ).rejects.toThrow(new TypeError(`openJournal: group.${key} must be a number, got null`));
    }
    expect(await fs.readdir("/j")).toEqual([]);
    const journal = await openJournal({ fs, dir: "/j", name: "db", group: { maxBytes: 1 } });
    await journal.append(enc("a"));
    await journal.close();
  });

  it("smallFirstBytes 0 caps each group at its first append: appends issued together are groups of one", async () => {
    const writesOf = async (smallFirstBytes: number | undefined) => {
      const faulty = createFaultyFs(createMemoryFs({ "/j": null }));
      const journal = await openJournal({
        fs: faulty,
        dir: "/j",
        name: "db",
        preallocateBytes: 0,
        group: { smallFirstBytes },
      });
      const before = faulty.calls.length;
      const results = await Promise.all(["a", "b", "c"].map((t) => journal.append(enc(t))));
      expect(results.map((r) => r.seq)).toEqual([1, 2, 3]);
      await journal.close();
      return faulty.calls
        .slice(before)
        .filter((c) => c.op === "writev")
        .map((c) => c.bytes);
    };
    expect(await writesOf(0)).toEqual([21, 21, 21]);
    expect(await writesOf(undefined)).toEqual([63]);
  });
});
