import {
  assertValidSliceBudget,
  createInlineExecutor,
  createSlicedExecutor,
  type Executor,
} from "../attempt/executors.js";
import type { Clock } from "../contracts/clock.js";
import type { Sink } from "../contracts/sink.js";
import type { WriteResult } from "../contracts/write-result.js";
import { resolveConcurrency } from "../policy/concurrency.js";
import { resolveOptionValue } from "../policy/option-values.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";
import { systemClock } from "../sink-kit/system-clock.js";
import { type RetryPolicy, resolveRetryPolicy } from "./backoff.js";
import {
  DEFAULT_WRITE_CONCURRENCY,
  type PersistenceWriterOptions,
  type RunnerTargetOptions,
  type TargetOptions,
} from "./options.js";

/** {@link PersistenceWriterOptions} validated, with every default applied. Internal. */
export interface ResolvedWriterOptions {
  readonly sink: Sink | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly onResult: ((result: WriteResult) => void) | undefined;
  readonly retry: RetryPolicy;
  readonly executor: Executor;
  /** Write attempts that may run at once: an integer in `1..MAX_CONCURRENCY`, or `Infinity`. */
  readonly concurrency: number;
  /** How long the writer holds the event loop in one go, in ms (sliced encodes, write starts). */
  readonly sliceBudgetMs: number;
}

/** The debounce, max delay and shutdown of one target, validated, with defaults applied. Internal. */
export interface TargetSettings {
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly shutdown: "flush" | "skip";
}

/** The keys of {@link PersistenceWriterOptions}; any other is a `TypeError` (a typo). */
const WRITER_OPTION_KEYS: ReadonlySet<string> = new Set([
  "sink",
  "clock",
  "executor",
  "sliceBudgetMs",
  "retry",
  "random",
  "onResult",
  "concurrency",
] satisfies (keyof PersistenceWriterOptions)[]);

/**
 * The keys `register()` takes, in either form: those of {@link RunnerTargetOptions} (`snapshot` and
 * `codec` there only as `undefined`) and of {@link TargetOptions} (`runner` there only as
 * `undefined`). Any other is a `TypeError` whose message lists all of these.
 */
const TARGET_OPTION_KEYS: ReadonlySet<string> = new Set([
  "runner",
  "snapshot",
  "codec",
  "debounceMs",
  "maxDelayMs",
  "shutdown",
] satisfies (keyof RunnerTargetOptions | keyof TargetOptions<unknown>)[]);

/** True for a function. Internal. */
export function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === "function";
}

/** An interval option in ms: `>= 0`, finite unless `allowInfinity`, `fallback` when left out. Internal. */
export function interval(
  name: string,
  value: unknown,
  fallback: number,
  allowInfinity: boolean,
): number {
  return resolveOptionValue(undefined, name, value, fallback, { min: 0, allowInfinity });
}

/**
 * Validates the writer's options in a fixed order (sink, clock, random, onResult, retry, executor,
 * concurrency): bad intervals throw `RangeError`, wrong types `TypeError`. Internal.
 */
export function resolveWriterOptions(options: PersistenceWriterOptions): ResolvedWriterOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createPersistenceWriter needs an options object");
  }
  assertKnownOptions("createPersistenceWriter", options, WRITER_OPTION_KEYS);
  const { sink } = options;
  if (
    sink !== undefined &&
    (typeof sink !== "object" || sink === null || !isFunction(sink.write))
  ) {
    throw new TypeError("sink must be a Sink with a write() method");
  }
  const clock = options.clock ?? systemClock;
  if (
    typeof clock !== "object" ||
    clock === null ||
    !isFunction(clock.now) ||
    !isFunction(clock.setTimeout) ||
    !isFunction(clock.clearTimeout)
  ) {
    throw new TypeError("clock must have now(), setTimeout() and clearTimeout()");
  }
  const random = options.random ?? Math.random;
  if (!isFunction(random)) throw new TypeError("random must be a function");
  const onResult = options.onResult;
  if (onResult !== undefined && !isFunction(onResult)) {
    throw new TypeError("onResult must be a function");
  }
  const retry = resolveRetryPolicy(options.retry);
  // Only a left-out option takes its default: `null` is a TypeError, as for every other number.
  // Through resolvePolicy (a finite number >= 0); the executor's own check refuses 0.
  const sliceBudgetMs = resolveOptionValue(undefined, "sliceBudgetMs", options.sliceBudgetMs, 4, {
    min: 0,
  });
  assertValidSliceBudget(sliceBudgetMs);
  const executor = resolveExecutor(options, sliceBudgetMs);
  const concurrency = resolveConcurrency(options.concurrency, DEFAULT_WRITE_CONCURRENCY);
  return { sink, clock, random, onResult, retry, executor, concurrency, sliceBudgetMs };
}

/**
 * Validates the debounce, max delay and shutdown of `register()`'s options, after refusing a key
 * neither form has (`TypeError`). Internal.
 */
export function resolveTargetSettings(targetOptions: object): TargetSettings {
  assertKnownOptions("register()", targetOptions, TARGET_OPTION_KEYS);
  const options = targetOptions as TargetOptions<unknown>;
  const debounceMs = interval("debounceMs", options.debounceMs, 1000, false);
  const maxDelayMs = interval("maxDelayMs", options.maxDelayMs, 10_000, true);
  if (maxDelayMs < debounceMs) {
    throw new RangeError(`maxDelayMs (${maxDelayMs}) must be >= debounceMs (${debounceMs})`);
  }
  const shutdown = options.shutdown === undefined ? "flush" : options.shutdown;
  if (shutdown !== "flush" && shutdown !== "skip") {
    throw new TypeError(`shutdown must be "flush" or "skip", got ${JSON.stringify(shutdown)}`);
  }
  return { debounceMs, maxDelayMs, shutdown };
}

function resolveExecutor(options: PersistenceWriterOptions, sliceBudgetMs: number): Executor {
  const executor = options.executor ?? "sliced";
  if (executor === "sliced") return createSlicedExecutor({ budgetMs: sliceBudgetMs });
  if (executor === "inline") return createInlineExecutor();
  if (typeof executor === "object" && executor !== null && isFunction(executor.stream)) {
    return executor;
  }
  throw new TypeError(
    `executor must be "inline", "sliced" or an Executor, got ${JSON.stringify(executor)}`,
  );
}
