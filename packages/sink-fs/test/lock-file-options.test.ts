import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { checkLockFileOptions, type LockFileOptions, lockFile } from "../src/index.js";

describe("checkLockFileOptions", () => {
  const fs = createMemoryFs({ "/d": null });
  const bad: [Record<string, unknown>, ErrorConstructor][] = [
    [{ staleMs: 0 }, RangeError],
    [{ staleMs: -5 }, RangeError],
    [{ staleMs: Number.NaN }, RangeError],
    [{ staleMs: "x" }, TypeError],
    [{ staleMs: MAX_TIMER_MS + 1 }, RangeError],
    [{ waitMs: -1 }, RangeError],
    [{ waitMs: Number.POSITIVE_INFINITY }, RangeError],
    [{ waitMs: 2 ** 40 }, RangeError],
    [{ pollMs: 0 }, RangeError],
    [{ signal: "stop" }, TypeError],
    [{ fs: 5 }, TypeError],
    [{ fs: {} }, TypeError],
    [{ wait: 5 }, TypeError],
  ];

  it("throws, synchronously and without I/O, exactly what lockFile rejects with", async () => {
    for (const [options, kind] of bad) {
      const given = { fs, ...options } as LockFileOptions;
      const rejected: unknown = await lockFile("/d/a", given).then(
        () => expect.fail(`lockFile accepted ${JSON.stringify(options)}`),
        (error: unknown) => error,
      );
      expect(rejected, JSON.stringify(options)).toBeInstanceOf(kind);
      expect(() => checkLockFileOptions(given)).toThrow(rejected as Error);
    }
    expect(() => checkLockFileOptions(5 as never)).toThrow(
      new TypeError("lockFile: options must be an object"),
    );
    expect(await fs.readdir("/d")).toEqual([]);
  });

  it("names the caller in its messages", () => {
    expect(() => checkLockFileOptions({ staleMs: 0 }, "createThing")).toThrow(
      new RangeError(`createThing: staleMs must be a finite number in 1..${MAX_TIMER_MS}, got 0`),
    );
    expect(() => checkLockFileOptions({ waitMs: "1" as never }, "createThing")).toThrow(
      new TypeError("createThing: waitMs must be a number, got string"),
    );
    expect(() => checkLockFileOptions({ wait: 1 } as never, "createThing")).toThrow(
      /^createThing: unknown option "wait"/,
    );
  });

  it("accepts the bounds and no options at all", () => {
    expect(() => checkLockFileOptions({})).not.toThrow();
    expect(() =>
      checkLockFileOptions({ fs, waitMs: 0, staleMs: MAX_TIMER_MS, pollMs: 1 }),
    ).not.toThrow();
    expect(() => checkLockFileOptions({ waitMs: MAX_TIMER_MS, staleMs: 1 })).not.toThrow();
  });
});
