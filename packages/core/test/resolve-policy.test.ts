import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolvePolicy } from "../src/index.js";

const spec = {
  refreshIntervalMs: { default: 300_000, min: 1_000, max: 3_600_000, env: "APP_REFRESH_MS" },
  maxRecordBytes: { default: 16 << 20, min: 1, env: "APP_MAX_RECORD", integer: true },
  ratio: { default: 1, min: 0, max: 10 },
} as const;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("resolvePolicy", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("returns the defaults, frozen, when no variable is set", () => {
    const policy = resolvePolicy(spec, { env: {} });
    expect(policy.values).toEqual({
      refreshIntervalMs: 300_000,
      maxRecordBytes: 16 << 20,
      ratio: 1,
    });
    expect(policy.overrides).toEqual([]);
    expect(Object.isFrozen(policy.values)).toBe(true);
    expect(Object.isFrozen(policy.overrides)).toBe(true);
  });

  it("takes an environment value within the bounds and reports it as an override", () => {
    const policy = resolvePolicy(spec, { env: { APP_REFRESH_MS: "60000" } });
    expect(policy.values.refreshIntervalMs).toBe(60_000);
    expect(policy.overrides).toEqual([
      {
        name: "refreshIntervalMs",
        env: "APP_REFRESH_MS",
        raw: "60000",
        value: 60_000,
        clamped: false,
      },
    ]);
  });

  it("clamps an environment value outside the bounds and says so", () => {
    const low = resolvePolicy(spec, { env: { APP_REFRESH_MS: "5", APP_MAX_RECORD: "-3" } });
    expect(low.values).toMatchObject({ refreshIntervalMs: 1_000, maxRecordBytes: 1 });
    expect(low.overrides).toEqual([
      { name: "refreshIntervalMs", env: "APP_REFRESH_MS", raw: "5", value: 1_000, clamped: true },
      { name: "maxRecordBytes", env: "APP_MAX_RECORD", raw: "-3", value: 1, clamped: true },
    ]);
    const high = resolvePolicy(spec, { env: { APP_REFRESH_MS: "99_999_999_999" } });
    expect(high.overrides[0]).toMatchObject({ value: 3_600_000, clamped: true });
  });

  it("clamps a plain decimal too long for a double like any other out-of-bounds value", () => {
    const huge = "9".repeat(400);
    const policy = resolvePolicy(spec, {
      env: { APP_REFRESH_MS: huge, APP_MAX_RECORD: `-${huge}` },
    });
    expect(policy.values).toMatchObject({ refreshIntervalMs: 3_600_000, maxRecordBytes: 1 });
    expect(policy.overrides.every((o) => o.clamped)).toBe(true);
    const unbounded = { n: { default: 5, min: 0, env: "N" } };
    expect(thrown(() => resolvePolicy(unbounded, { env: { N: huge } }))).toMatchObject({
      name: "RangeError",
      message: expect.stringMatching(/^N \(for n\) is out of range/),
    });
  });

  it("refuses an environment value that is not a string with a TypeError naming it", () => {
    expect(() => resolvePolicy(spec, { env: { APP_REFRESH_MS: 5 as never } })).toThrow(
      /APP_REFRESH_MS \(for refreshIntervalMs\) in options.env must be a string/,
    );
  });

  it.each([
    ["empty", ""],
    ["spaces", "   "],
    ["a tab and a newline", "\t\n"],
  ])("treats an %s variable as unset, never as 0", (_name, raw) => {
    const policy = resolvePolicy(spec, { env: { APP_REFRESH_MS: raw } });
    expect(policy.values.refreshIntervalMs).toBe(300_000);
    expect(policy.overrides).toEqual([]);
  });

  it("accepts _ separators, a sign, a fraction and surrounding whitespace", () => {
    const env = { APP_REFRESH_MS: " 1_500.5 ", APP_MAX_RECORD: "+2_048" };
    const policy = resolvePolicy(spec, { env });
    expect(policy.values).toMatchObject({ refreshIntervalMs: 1500.5, maxRecordBytes: 2048 });
    expect(policy.overrides.map((o) => o.raw)).toEqual([" 1_500.5 ", "+2_048"]);
  });

  it.each([
    "abc",
    "1e400",
    "1e3",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "0b1",
    "12ms",
    "10 s",
    "1__0",
    "_1",
    "1_",
    "1.",
    ".5",
    "--1",
    "1,000",
  ])("rejects %j with a RangeError naming the variable", (raw) => {
    const error = thrown(() => resolvePolicy(spec, { env: { APP_REFRESH_MS: raw } }));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain("APP_REFRESH_MS");
  });

  it("rejects a fraction for an integer entry, naming the variable", () => {
    const error = thrown(() => resolvePolicy(spec, { env: { APP_MAX_RECORD: "2.5" } }));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain("APP_MAX_RECORD");
  });

  it.each([
    ["min above max", { x: { default: 5, min: 10, max: 1 } }],
    ["a default below min", { x: { default: 0, min: 1 } }],
    ["a default above max", { x: { default: 11, max: 10 } }],
    ["a NaN default", { x: { default: Number.NaN } }],
    ["a NaN bound", { x: { default: 1, min: Number.NaN } }],
    ["an Infinity default", { x: { default: Number.POSITIVE_INFINITY } }],
    [
      "Infinity allowed with a max",
      { x: { default: Number.POSITIVE_INFINITY, allowInfinity: true, max: 5 } },
    ],
    ["a fractional integer default", { x: { default: 1.5, integer: true } }],
    ["a fractional integer bound", { x: { default: 2, min: 0.5, integer: true } }],
  ])("throws a RangeError at once for %s, even with the variable set", (_name, bad) => {
    expect(() => resolvePolicy(bad, { env: {} })).toThrow(RangeError);
  });

  it.each([
    ["a string default", { x: { default: "5" } }],
    ["a string bound", { x: { default: 5, max: "9" } }],
    ["an entry that is not an object", { x: 5 }],
    ["an empty variable name", { x: { default: 5, env: "" } }],
  ])("throws a TypeError for %s", (_name, bad) => {
    expect(() => resolvePolicy(bad as never, { env: {} })).toThrow(TypeError);
  });

  it.each([
    ["x must be a number, got null", { x: { default: null } }],
    ["x must be a number, got string", { x: { default: "5" } }],
    ["x must be a number, got undefined", { x: { default: undefined } }],
    ["x: max must be a number, got string", { x: { default: 5, max: "9" } }],
    ["x: min must be a number, got boolean", { x: { default: 5, min: false } }],
    ["x: min must be a number, got null", { x: { default: 5, min: null } }],
    ["x: max must be a number, got null", { x: { default: 5, max: null } }],
  ])("says what it got when a default or bound is no number: %s", (message, bad) => {
    expect(() => resolvePolicy(bad as never, { env: {} })).toThrow(new TypeError(message));
  });

  it("judges an integer entry's environment text, not only the double it parses to", () => {
    const count = { n: { default: 3, min: 1, env: "N", integer: true } };
    for (const raw of ["1.0000000000000000001", "2.000_1", "9007199254740993.5"]) {
      const error = thrown(() => resolvePolicy(count, { env: { N: raw } }));
      expect(error, raw).toBeInstanceOf(RangeError);
      expect((error as Error).message, raw).toBe(
        `N (for n) must be an integer, got ${JSON.stringify(raw)}`,
      );
    }
    // A fraction of zeros is still the integer it writes.
    expect(resolvePolicy(count, { env: { N: "2.000" } }).values.n).toBe(2);
    // Without `integer`, the same text is the number it parses to.
    const plain = { n: { default: 3, min: 1, env: "N" } };
    expect(resolvePolicy(plain, { env: { N: "1.0000000000000000001" } }).values.n).toBe(1);
  });

  it("refuses an integer default or finite bound that is no safe integer", () => {
    const safe = `-${Number.MAX_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`;
    for (const value of [1e300, 2 ** 53, -(2 ** 53), Number.MAX_VALUE]) {
      const unbounded = thrown(() => resolvePolicy({ x: { default: value, integer: true } }));
      expect(unbounded, String(value)).toEqual(
        new RangeError(`x must be a safe integer (${safe}), got ${value}`),
      );
    }
    // A library's own option, passed as the default (executor-worker's batchBytes: 1e300).
    expect(
      thrown(() =>
        resolvePolicy({
          "createWorkerReplica: batchBytes": { default: 1e300, min: 1, integer: true },
        }),
      ),
    ).toEqual(
      new RangeError(
        `createWorkerReplica: batchBytes must be a safe integer (${safe}), got 1e+300`,
      ),
    );
    // A bound beyond its own check keeps that message.
    expect(
      thrown(() => resolvePolicy({ x: { default: 2 ** 60, max: 10, integer: true } }, { env: {} })),
    ).toEqual(new RangeError(`x must be <= 10, got ${2 ** 60}`));
    for (const [which, bound] of [
      ["max", 2 ** 53],
      ["min", -(2 ** 60)],
    ] as const) {
      expect(
        thrown(() =>
          resolvePolicy({ x: { default: 1, [which]: bound, integer: true } }, { env: {} }),
        ),
      ).toEqual(new RangeError(`x: ${which} must be a safe integer (${safe}), got ${bound}`));
    }
    // The largest safe integers are taken; without `integer`, any finite number is.
    const edge = {
      x: { default: Number.MAX_SAFE_INTEGER, min: Number.MIN_SAFE_INTEGER, integer: true },
    };
    expect(resolvePolicy(edge, { env: {} }).values.x).toBe(Number.MAX_SAFE_INTEGER);
    const plain = { x: { default: 1e300, min: 2 ** 60 } };
    expect(resolvePolicy(plain, { env: {} }).values.x).toBe(1e300);
  });

  it("clamps an integer environment value beyond the safe integers to its bound, else refuses it", () => {
    const beyond = "9_007_199_254_740_993";
    const bounded = {
      n: {
        default: 1,
        min: Number.MIN_SAFE_INTEGER,
        max: Number.MAX_SAFE_INTEGER,
        env: "N",
        integer: true,
      },
    };
    for (const [raw, value] of [
      [beyond, Number.MAX_SAFE_INTEGER],
      [`-${beyond}`, Number.MIN_SAFE_INTEGER],
      ["1".padEnd(301, "0"), Number.MAX_SAFE_INTEGER],
    ] as const) {
      const policy = resolvePolicy(bounded, { env: { N: raw } });
      expect(policy.overrides, raw).toEqual([{ name: "n", env: "N", raw, value, clamped: true }]);
    }
    const safe = `-${Number.MAX_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`;
    const unbounded = { n: { default: 1, env: "N", integer: true } };
    for (const [raw, side] of [
      [beyond, "upper"],
      ["9007199254740992", "upper"],
      [`-${beyond}`, "lower"],
      ["9".repeat(400), "upper"],
    ] as const) {
      const shown = `${JSON.stringify(raw.slice(0, 40))}${raw.length > 40 ? "…" : ""}`;
      expect(
        thrown(() => resolvePolicy(unbounded, { env: { N: raw } })),
        raw,
      ).toEqual(
        new RangeError(
          `N (for n) is out of range: ${shown} is no safe integer (${safe}) and has no ${side} bound to clamp to`,
        ),
      );
    }
    // The largest safe integer itself is taken as it is.
    const largest = resolvePolicy(unbounded, { env: { N: String(Number.MAX_SAFE_INTEGER) } });
    expect(largest.overrides[0]).toMatchObject({ value: Number.MAX_SAFE_INTEGER, clamped: false });
    // Without `integer`, the same text is the double it parses to.
    const plain = { n: { default: 1, env: "N" } };
    expect(resolvePolicy(plain, { env: { N: beyond } }).values.n).toBe(2 ** 53);
  });

  it("resolves every integer entry to a safe integer, whatever the environment says (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
        fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
        (n, max) => {
          const entry = { default: 0, min: -5, max, env: "N", integer: true };
          const run = () => resolvePolicy({ n: entry }, { env: { N: String(n) } }).values.n;
          if (max === undefined && n > BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(run).toThrow(/^N \(for n\) is out of range: .* no upper bound/);
          } else {
            const value = run();
            expect(Number.isSafeInteger(value)).toBe(true);
            expect(BigInt(value)).toBe(
              n < -5n ? -5n : max !== undefined && n > BigInt(max) ? BigInt(max) : n,
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("accepts an Infinity default where allowed, never from the environment", () => {
    const unlimited = {
      x: { default: Number.POSITIVE_INFINITY, min: 0, allowInfinity: true, env: "X" },
    };
    expect(resolvePolicy(unlimited, { env: {} }).values.x).toBe(Number.POSITIVE_INFINITY);
    expect(resolvePolicy(unlimited, { env: { X: "7" } }).values.x).toBe(7);
    expect(() => resolvePolicy(unlimited, { env: { X: "Infinity" } })).toThrow(RangeError);
    // A decimal too long for a double is out of range, not the Infinity only a default may be.
    const huge = "9".repeat(400);
    expect(thrown(() => resolvePolicy(unlimited, { env: { X: huge } }))).toMatchObject({
      name: "RangeError",
      message: expect.stringMatching(/^X \(for x\) is out of range: .* no upper bound/),
    });
    // Below an unbounded minimum: the same, naming the lower bound.
    const signed = { y: { default: 5, allowInfinity: true, env: "Y" } };
    expect(thrown(() => resolvePolicy(signed, { env: { Y: `-${huge}` } }))).toMatchObject({
      name: "RangeError",
      message: expect.stringMatching(/^Y \(for y\) is out of range: .* no lower bound/),
    });
  });

  it("refuses a spec key or option key it does not know with a TypeError naming it", () => {
    expect(
      thrown(() => resolvePolicy({ x: { default: 5, mni: 1 } } as never, { env: {} })),
    ).toMatchObject({
      name: "TypeError",
      message: expect.stringMatching(
        /^resolvePolicy: unknown option "x\.mni"; known: x\.default, /,
      ),
    });
    expect(thrown(() => resolvePolicy(spec, { evn: {} } as never))).toMatchObject({
      name: "TypeError",
      message: 'resolvePolicy: unknown option "evn"; known: env',
    });
    expect(() => resolvePolicy(spec, null as never)).toThrow(TypeError);
  });

  it("reads process.env by default", () => {
    vi.stubEnv("APP_REFRESH_MS", "2000");
    expect(resolvePolicy(spec).values.refreshIntervalMs).toBe(2000);
  });

  it("clamps every decimal integer into the bounds (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.nat({ max: 1e6 }),
        fc.boolean(),
        (n, min, width, grouped) => {
          const max = min + width;
          const raw = grouped ? n.toLocaleString("en-US").replaceAll(",", "_") : String(n);
          const policy = resolvePolicy(
            { x: { default: min, min, max, env: "X", integer: true } },
            { env: { X: raw } },
          );
          const expected = Math.min(max, Math.max(min, n));
          expect(policy.values.x).toBe(expected);
          expect(policy.overrides).toEqual([
            { name: "x", env: "X", raw, value: expected, clamped: expected !== n },
          ]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
