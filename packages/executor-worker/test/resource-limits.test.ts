import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import { createPersistenceWriter } from "@snapwrite/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createStoreReplica,
  createWorkerReplica,
  DEFAULT_YOUNG_GENERATION_MB,
} from "../src/index.js";
import { withYoungGeneration } from "../src/worker-replica-options.js";

// Real worker threads running the built package: build it before running these tests.
const FIXTURE = new URL("./fixtures/lines-replica-worker.mjs", import.meta.url);

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-limits-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** The `maxYoungGenerationSizeMb` the replica's worker thread runs with. */
async function youngGenerationOf(resourceLimits?: ResourceLimits): Promise<number> {
  const replica = createWorkerReplica<{ op: "limits" }, { dir: string }>({
    module: FIXTURE,
    options: { dir },
    ...(resourceLimits === undefined ? {} : { resourceLimits }),
  });
  const writer = createPersistenceWriter({});
  cleanups.push(() => writer.close({ timeoutMs: 1000 }));
  cleanups.push(() => replica.close({ timeoutMs: 0 }));
  const handle = writer.register("limits.txt", { runner: replica, debounceMs: 0 });
  replica.patch({ op: "limits" });
  const result = await handle.saveNow("limits");
  expect(result.ok).toBe(true);
  const line = (await readFile(join(dir, "limits.txt"), "utf8")).trim();
  expect(line).toMatch(/^young=/);
  return Number(line.slice("young=".length));
}

describe("the replica worker's young generation", () => {
  it("is small by default, so the garbage of patches and saves does not pile up", async () => {
    expect(DEFAULT_YOUNG_GENERATION_MB).toBe(3);
    expect(await youngGenerationOf()).toBe(DEFAULT_YOUNG_GENERATION_MB);
    // Other limits keep the default of the young generation.
    expect(await youngGenerationOf({ stackSizeMb: 4 })).toBe(DEFAULT_YOUNG_GENERATION_MB);
  });

  it("takes resourceLimits.maxYoungGenerationSizeMb, and 0 leaves V8's own sizing", async () => {
    expect(await youngGenerationOf({ maxYoungGenerationSizeMb: 8 })).toBe(8);
    expect(await youngGenerationOf({ maxYoungGenerationSizeMb: 0 })).toBeGreaterThan(8);
  });

  it("refuses a bad young generation with RangeError/TypeError", () => {
    const bad = (maxYoungGenerationSizeMb: unknown) => () =>
      createWorkerReplica({
        module: FIXTURE,
        resourceLimits: { maxYoungGenerationSizeMb } as ResourceLimits,
      });
    expect(bad(-1)).toThrow(RangeError);
    expect(bad(Number.NaN)).toThrow(RangeError);
    expect(bad(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(bad("3")).toThrow(TypeError);
    expect(() => createWorkerReplica({ module: FIXTURE, resourceLimits: 3 as never })).toThrow(
      TypeError,
    );
  });

  it("an unknown option key, also inside resourceLimits, is a TypeError naming it, before a worker starts", () => {
    expect(() => createWorkerReplica({ module: FIXTURE, batchDelayMS: 5 } as never)).toThrow(
      /^createWorkerReplica: unknown option "batchDelayMS"; known: module, /,
    );
    expect(() =>
      createWorkerReplica({
        module: FIXTURE,
        resourceLimits: { maxYoungGenerationSizeMB: 3 } as never,
      }),
    ).toThrow(/^createWorkerReplica: unknown option "resourceLimits\.maxYoungGenerationSizeMB"/);
    expect(() => createStoreReplica({ module: FIXTURE, abortGraceMS: 5 } as never)).toThrow(
      /^createStoreReplica: unknown option "abortGraceMS"; known: module, options, name, resourceLimits, abortGraceMs/,
    );
  });

  it("a store replica keeps V8's own young generation unless its options set one", () => {
    expect(withYoungGeneration(undefined, 0)).toEqual({ maxYoungGenerationSizeMb: 0 });
    expect(withYoungGeneration({ stackSizeMb: 2 }, 0)).toEqual({
      stackSizeMb: 2,
      maxYoungGenerationSizeMb: 0,
    });
    expect(withYoungGeneration({ maxYoungGenerationSizeMb: 5 }, 0)).toEqual({
      maxYoungGenerationSizeMb: 5,
    });
    expect(withYoungGeneration(3 as never, 0)).toBe(3);
  });
});
