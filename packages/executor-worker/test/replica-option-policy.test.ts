import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { ResourceLimits } from "node:worker_threads";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { describe, expect, it } from "vitest";
import { createStoreReplica, createWorkerReplica } from "../src/index.js";

// No worker starts in these tests: every option is refused before the first one would.
const FIXTURE = new URL("./fixtures/lines-replica-worker.mjs", import.meta.url);

const factories: [name: string, create: (options: never) => unknown][] = [
  ["createWorkerReplica", createWorkerReplica],
  ["createStoreReplica", createStoreReplica],
];

describe.each(factories)("%s checks its numbers through resolvePolicy", (name, create) => {
  const make = (extra: Record<string, unknown>) => () =>
    create({ module: FIXTURE, ...extra } as never);

  it("refuses a bad resource limit of any kind, not only the young generation's", () => {
    for (const key of ["maxOldGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"]) {
      const limits = (value: unknown) =>
        make({ resourceLimits: { [key]: value } as ResourceLimits });
      for (const value of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
        expect(limits(value), `${key} ${value}`).toThrow(RangeError);
      }
      expect(limits(Number.NaN)).toThrow(
        new RangeError(`${name}: resourceLimits.${key} must not be NaN`),
      );
      expect(limits(null)).toThrow(
        new TypeError(`${name}: resourceLimits.${key} must be a number, got null`),
      );
      expect(limits("64")).toThrow(TypeError);
    }
    expect(make({ resourceLimits: { maxYoungGenerationSizeMb: null } })).toThrow(TypeError);
  });

  it("bounds batchDelayMs by the longest timer Node arms; abortGraceMs waits on a LongTimer", () => {
    expect(make({ batchDelayMs: MAX_TIMER_MS + 1 })).toThrow(
      new RangeError(`${name}: batchDelayMs must be <= ${MAX_TIMER_MS}, got ${MAX_TIMER_MS + 1}`),
    );
    expect(make({ abortGraceMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it("refuses a batchBytes beyond the safe integers, which no byte count can be", () => {
    const safe = `-${Number.MAX_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`;
    for (const batchBytes of [1e300, 2 ** 53]) {
      expect(make({ batchBytes }), String(batchBytes)).toThrow(
        new RangeError(`${name}: batchBytes must be a safe integer (${safe}), got ${batchBytes}`),
      );
    }
  });

  it("takes no null for a number: only a left-out option has its default", () => {
    for (const key of ["abortGraceMs", "batchDelayMs", "batchBytes"]) {
      expect(make({ [key]: null }), key).toThrow(
        new TypeError(`${name}: ${key} must be a number, got null`),
      );
    }
  });

  it("refuses a directory as the worker module with a TypeError", () => {
    const directory = fileURLToPath(new URL("./fixtures/", import.meta.url));
    for (const module of [directory, new URL("./fixtures/", import.meta.url), tmpdir()]) {
      expect(() => create({ module } as never)).toThrow(TypeError);
    }
    expect(() => create({ module: tmpdir() } as never)).toThrow(
      new TypeError(`${name}: the worker module ${JSON.stringify(tmpdir())} is not a file`),
    );
  });

  it("names itself in every option error, not the factory it builds on", () => {
    const bad: Record<string, unknown>[] = [
      { module: "" },
      { module: new URL("./fixtures/no-such-worker.mjs", import.meta.url) },
      { resourceLimits: 3 },
      { abortGraceMs: -1 },
      { batchBytes: "1" },
      { name: 5 },
    ];
    for (const extra of bad) {
      const message = errorOf(make(extra));
      expect(message, JSON.stringify(extra)).toMatch(new RegExp(`^${name}: `));
    }
    expect(errorOf(() => create(null as never))).toBe(`${name} needs an options object`);
  });

  it("takes a thread name only as a non-empty string, null included", () => {
    for (const [value, got] of [
      [null, "null"],
      ["", "an empty string"],
      [5, "number"],
      [{}, "object"],
    ] as const) {
      expect(make({ name: value })).toThrow(
        new TypeError(`${name}: name must be a non-empty string, got ${got}`),
      );
    }
  });
});

/** The message of the error `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("it did not throw");
}
