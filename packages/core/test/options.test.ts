import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  isPersistenceError,
  type PersistenceWriterOptions,
  type TargetOptions,
} from "../src/index.js";
import { FakeSink, textCodec } from "./support/fakes.js";

const sink = new FakeSink();
const make = (options: Partial<PersistenceWriterOptions>) =>
  createPersistenceWriter({ sink, ...options } as PersistenceWriterOptions);
const register = (options: Partial<TargetOptions<string>>) =>
  make({}).register("t", { snapshot: () => "", codec: textCodec(), ...options });

describe("writer option validation", () => {
  it.each([
    ["sliceBudgetMs 0", { sliceBudgetMs: 0 }],
    ["sliceBudgetMs negative", { sliceBudgetMs: -1 }],
    ["sliceBudgetMs NaN", { sliceBudgetMs: Number.NaN }],
    ["sliceBudgetMs Infinity", { sliceBudgetMs: Number.POSITIVE_INFINITY }],
    ["retry.initialMs negative", { retry: { initialMs: -1 } }],
    ["retry.initialMs NaN", { retry: { initialMs: Number.NaN } }],
    ["retry.initialMs Infinity", { retry: { initialMs: Number.POSITIVE_INFINITY } }],
    ["retry.factor below 1", { retry: { factor: 0.5 } }],
    ["retry.maxMs below initialMs", { retry: { initialMs: 500, maxMs: 100 } }],
    ["retry.maxMs Infinity", { retry: { maxMs: Number.POSITIVE_INFINITY } }],
    ["retry.jitter negative", { retry: { jitter: -0.1 } }],
    ["retry.jitter above 1", { retry: { jitter: 1.5 } }],
  ] as const)("throws RangeError for %s", (_name, options) => {
    expect(() => make(options as Partial<PersistenceWriterOptions>)).toThrow(RangeError);
  });

  it.each([
    ["an unknown executor", { executor: "worker" }],
    ["a non-function random", { random: 0.5 }],
    ["a non-function onResult", { onResult: "log" }],
    ["a clock without timers", { clock: { now: () => 0 } }],
    ["a string interval", { sliceBudgetMs: "4" }],
    ["a non-object retry", { retry: 5 }],
    ["a null sliceBudgetMs", { sliceBudgetMs: null }],
  ] as const)("throws TypeError for %s", (_name, options) => {
    expect(() => make(options as unknown as Partial<PersistenceWriterOptions>)).toThrow(TypeError);
  });

  it("checks sliceBudgetMs and concurrency through resolvePolicy, with its messages", () => {
    expect(() => make({ sliceBudgetMs: null } as never)).toThrow(
      new TypeError("sliceBudgetMs must be a number, got null"),
    );
    expect(() => make({ sliceBudgetMs: Number.NaN })).toThrow(
      new RangeError("sliceBudgetMs must not be NaN"),
    );
    expect(() => make({ concurrency: 0 })).toThrow(
      new RangeError("concurrency must be >= 1, got 0"),
    );
    expect(() => make({ concurrency: null } as never)).toThrow(
      new TypeError("concurrency must be a number, got null"),
    );
  });

  it("without a sink, refuses a snapshot + codec target at register time with TypeError", () => {
    const writer = createPersistenceWriter({});
    expect(() => writer.register("state.txt", { snapshot: () => "x", codec: textCodec() })).toThrow(
      /has snapshot \+ codec, but the writer has no sink/,
    );
    expect(() => writer.register("state.txt", { snapshot: () => "x", codec: textCodec() })).toThrow(
      TypeError,
    );
    expect(writer.health().targets).toEqual({});
    expect(() => createPersistenceWriter(undefined as never)).toThrow(TypeError);
    expect(() => createPersistenceWriter({ sink: {} as never })).toThrow(TypeError);
  });

  it("refuses an unknown option key with a TypeError naming it, also inside retry", () => {
    expect(() => make({ concurency: 2 } as Partial<PersistenceWriterOptions>)).toThrow(
      new TypeError(
        'createPersistenceWriter: unknown option "concurency"; known: sink, clock, executor, sliceBudgetMs, retry, random, onResult, concurrency',
      ),
    );
    expect(() => make({ retry: { maxMS: 10 } as never })).toThrow(
      /^createPersistenceWriter: unknown option "retry\.maxMS"; known: retry\.initialMs, /,
    );
    expect(() => make({ retry: { maxMs: 10, initialMs: 1, factor: 2, jitter: 0 } })).not.toThrow();
  });

  it("accepts the boundaries: jitter 0 and 1, factor 1, maxMs = initialMs, initialMs 0", () => {
    expect(() => make({ retry: { jitter: 0, factor: 1, initialMs: 0, maxMs: 0 } })).not.toThrow();
    expect(() => make({ retry: { jitter: 1 } })).not.toThrow();
    expect(() => make({ executor: "inline", sliceBudgetMs: 0.5 })).not.toThrow();
  });

  it("accepts a custom Executor object", async () => {
    const used: string[] = [];
    const writer = make({
      executor: {
        name: "custom",
        stream(chunks, context) {
          used.push(`${context.target}@${context.generation}`);
          return chunks;
        },
      },
    });
    const handle = writer.register("t", { snapshot: () => "x", codec: textCodec() });
    expect(await handle.saveNow("now")).toMatchObject({ ok: true });
    expect(used).toEqual(["t@1"]);
  });
});

describe("register() validation", () => {
  it.each([
    ["negative debounceMs", { debounceMs: -1 }],
    ["NaN debounceMs", { debounceMs: Number.NaN }],
    ["Infinity debounceMs", { debounceMs: Number.POSITIVE_INFINITY }],
    ["negative maxDelayMs", { maxDelayMs: -5 }],
    ["NaN maxDelayMs", { maxDelayMs: Number.NaN }],
    ["maxDelayMs below debounceMs", { debounceMs: 500, maxDelayMs: 100 }],
    ["maxDelayMs below the default debounceMs", { maxDelayMs: 999 }],
  ] as const)("throws RangeError for %s", (_name, options) => {
    expect(() => register(options)).toThrow(RangeError);
  });

  it.each([
    ["a missing snapshot", { snapshot: undefined }],
    ["a codec without encode", { codec: { name: "x" } }],
    ["an unknown shutdown", { shutdown: "later" }],
    ["a string debounceMs", { debounceMs: "10" }],
    ["a null shutdown", { shutdown: null }],
    ["a null debounceMs", { debounceMs: null }],
  ] as const)("throws TypeError for %s", (_name, options) => {
    expect(() => register(options as unknown as Partial<TargetOptions<string>>)).toThrow(TypeError);
  });

  it("refuses an unknown option key with a TypeError naming it, in both forms", () => {
    expect(() => register({ debounce: 10 } as Partial<TargetOptions<string>>)).toThrow(
      /^register\(\): unknown option "debounce"; known: runner, snapshot, codec, debounceMs, maxDelayMs, shutdown$/,
    );
    const runner = { run: async () => ({ ok: true }) } as never;
    const writer = make({});
    expect(() => writer.register("r", { runner, shutdwon: "skip" } as never)).toThrow(
      /^register\(\): unknown option "shutdwon"; known: runner, /,
    );
    expect(writer.health().targets).toEqual({});
    expect(() =>
      writer.register("r", { runner, debounceMs: 5, maxDelayMs: 9, shutdown: "skip" }),
    ).not.toThrow();
    expect(() =>
      writer.register("s", { snapshot: () => "", codec: textCodec(), runner: undefined } as never),
    ).not.toThrow();
  });

  it("allows maxDelayMs Infinity", () => {
    expect(() => register({ maxDelayMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it("throws a TypeError when a target is registered twice", () => {
    const writer = make({});
    writer.register("t", { snapshot: () => "", codec: textCodec() });
    expect(() => writer.register("t", { snapshot: () => "", codec: textCodec() })).toThrow(
      TypeError,
    );
  });

  it("throws ERR_INVALID_TARGET for an invalid target id", () => {
    const writer = make({});
    for (const target of ["", "../x", "/abs", "a//b", "a\\b"]) {
      let thrown: unknown;
      try {
        writer.register(target, { snapshot: () => "", codec: textCodec() });
      } catch (error) {
        thrown = error;
      }
      expect(isPersistenceError(thrown, "ERR_INVALID_TARGET")).toBe(true);
    }
  });

  it("takes no null, undefined or number as a target id: ERR_INVALID_TARGET, not a string", () => {
    const writer = make({});
    for (const target of [null, undefined, 5]) {
      let thrown: unknown;
      try {
        writer.register(target as never, { snapshot: () => "", codec: textCodec() });
      } catch (error) {
        thrown = error;
      }
      expect(isPersistenceError(thrown, "ERR_INVALID_TARGET")).toBe(true);
      expect((thrown as { details?: unknown }).details).toEqual({ reason: "not a string" });
    }
    expect(writer.health().totals.targets).toBe(0);
  });
});
