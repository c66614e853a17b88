import {
  assertValidSliceBudget,
  createInlineExecutor,
  createSlicedExecutor,
  type Executor,
  type ExecutorName,
} from "../attempt/executors.js";
import { isTargetRunner, runTarget, type TargetRunner } from "../attempt/target-runner.js";
import { runWriteAttempt } from "../attempt/write-attempt.js";
import type { Clock } from "../contracts/clock.js";
import type { Codec } from "../contracts/codec.js";
import type { Urgency } from "../contracts/request.js";
import type { Sink } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import { assertValidTarget } from "../contracts/validate-target.js";
import type { WriteResult } from "../contracts/write-result.js";
import { toPersistenceError } from "../errors/os-error.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { resolvePolicy } from "../policy/resolve-policy.js";
import { LongTimer } from "../sink-kit/long-timer.js";
import { systemClock } from "../sink-kit/system-clock.js";
import { type RetryOptions, resolveRetryPolicy } from "./backoff.js";
import { buildHealth, type PersistenceHealth } from "./health.js";
import { CoalescingScheduler } from "./scheduler/coalescing-scheduler.js";
import type { CloseContext, SchedulerHost } from "./scheduler/scheduler-host.js";
import type { PersistenceTicket } from "./scheduler/ticket-batch.js";
import { buildShutdownReport, closeReportError, type ShutdownReport } from "./shutdown-report.js";
import type { TargetState } from "./target-state.js";
import { WriteLimiter } from "./write-limiter.js";
import type { PersistenceEvent, PersistenceListener } from "./writer-event.js";

/** Options of {@link createPersistenceWriter}. */
export interface PersistenceWriterOptions {
  /**
   * Where the bytes of `{ snapshot, codec }` targets go. May be left out when every target is
   * registered with a `runner` (which stores its bytes itself); registering a `{ snapshot, codec }`
   * target on a writer without a sink is then a `TypeError`.
   */
  readonly sink?: Sink | undefined;
  /** Time source and timers. Default {@link systemClock} (monotonic, global timers). */
  readonly clock?: Clock | undefined;
  /**
   * How the codec's generator is driven: `"sliced"` (default) yields to the event loop every
   * `sliceBudgetMs`; `"inline"` drains it in one go; or any {@link Executor}.
   */
  readonly executor?: ExecutorName | Executor | undefined;
  /** Time budget of one slice of the `sliced` executor, in ms. Finite, `> 0`. Default `4`. */
  readonly sliceBudgetMs?: number | undefined;
  /** Retry backoff of transient failures. Defaults: 100 ms, x2, max 30 s, jitter 0.2. */
  readonly retry?: RetryOptions | undefined;
  /** Random source in `[0, 1)` for the jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Called with every attempt's result. Exceptions are caught and counted in `health()`. */
  readonly onResult?: ((result: WriteResult) => void) | undefined;
  /**
   * How many write attempts (snapshot + encode + `sink.write`) run at once, over all targets: an
   * integer `>= 1`, or `Infinity` for no bound. Default {@link DEFAULT_WRITE_CONCURRENCY} (8).
   * Further writes wait in request order and take their snapshot when their turn comes, so with
   * thousands of dirty targets (at `close()` too) the sink works at its sustainable rate, file
   * descriptors stay bounded, and as many targets as possible are durable by a deadline.
   */
  readonly concurrency?: number | undefined;
}

/** The default {@link PersistenceWriterOptions.concurrency}. */
export const DEFAULT_WRITE_CONCURRENCY = 8;

/** Options of {@link PersistenceWriter.register}. */
export interface TargetOptions<T> {
  /**
   * Builds the immutable value to save; runs on the owner thread when a write fires. Must return
   * the value synchronously: a promise or other thenable (`async () => state`) is not awaited, it
   * fails the write with `ERR_SNAPSHOT` at stage `snapshot` (its rejection is handled, never
   * unhandled). A throw fails it with `ERR_SNAPSHOT` too.
   */
  readonly snapshot: () => T;
  /** Turns the value into bytes. */
  readonly codec: Codec<T>;
  /** Quiet period after the latest debounced request, in ms. Finite, `>= 0`. Default `1000`. */
  readonly debounceMs?: number | undefined;
  /**
   * Longest wait after the oldest request no write covers yet, in ms. `>= debounceMs`; may be
   * `Infinity` (debounce only: a steady stream of requests then postpones the save indefinitely).
   * Default `10_000`.
   */
  readonly maxDelayMs?: number | undefined;
  /** `"flush"` (default): `close()` writes unsaved state; `"skip"`: it does not. */
  readonly shutdown?: "flush" | "skip" | undefined;
}

/**
 * Options of {@link PersistenceWriter.register} for a target whose writes a {@link TargetRunner}
 * performs (for example a worker replica of `@snapwrite/executor-worker`): the runner captures,
 * encodes and stores the state itself, so neither `snapshot`, `codec` nor the writer's `sink` is
 * used; every scheduler rule applies unchanged.
 */
export interface RunnerTargetOptions {
  /** The runner that performs this target's writes. */
  readonly runner: TargetRunner;
  /** Quiet period after the latest debounced request, in ms. Finite, `>= 0`. Default `1000`. */
  readonly debounceMs?: number | undefined;
  /** Longest wait after the oldest request no write covers yet, in ms. Default `10_000`. */
  readonly maxDelayMs?: number | undefined;
  /** `"flush"` (default): `close()` writes unsaved state; `"skip"`: it does not. */
  readonly shutdown?: "flush" | "skip" | undefined;
  /** `snapshot` and `codec` belong to the other form of `register()`; passing them is a `TypeError`. */
  readonly snapshot?: undefined;
  /** See `snapshot`. */
  readonly codec?: undefined;
}

/** Options of {@link TargetHandle.request}. */
export interface RequestOptions {
  /** `"debounced"` (default) or `"immediate"`. */
  readonly urgency?: Urgency | undefined;
}

/** Options of {@link PersistenceWriter.close}. */
export interface CloseOptions {
  /** Deadline for the whole close, in ms. `>= 0`; `Infinity` waits as long as writes take. Default `10_000`. */
  readonly timeoutMs?: number | undefined;
}

/** A registered target: where the owner asks for saves. */
export interface TargetHandle<T> {
  /** Target id. */
  readonly target: TargetId;
  /**
   * Records that the state changed and should become durable. O(1), no I/O; throws only
   * `ERR_CLOSED` (after `close()` began) and `TypeError` for a bad urgency.
   */
  request(reason: string, options?: RequestOptions): PersistenceTicket;
  /**
   * An immediate request: resolves with the outcome of the write that covers it (which may be a
   * failure; check `ok`). Never rejects; throws `ERR_CLOSED` after `close()` began.
   */
  saveNow(reason: string): Promise<WriteResult>;
  /** Generations and flags, read now. */
  readonly state: TargetState;
  /** The codec the target was registered with. */
  readonly codec: Codec<T>;
}

/**
 * A target registered with a {@link TargetRunner}: the same requests, tickets and state as a
 * {@link TargetHandle}, without a codec (the runner encodes).
 */
export interface RunnerTargetHandle<R extends TargetRunner = TargetRunner>
  extends Omit<TargetHandle<never>, "codec"> {
  /** The runner the target was registered with. */
  readonly runner: R;
}

/** The coalescing, retrying, bounded-shutdown persistence scheduler. */
export interface PersistenceWriter {
  /**
   * Registers a target; throws `TypeError` when already registered or when the writer has no
   * `sink`, `ERR_CLOSED` after `close()`.
   */
  register<T>(target: TargetId, options: TargetOptions<T>): TargetHandle<T>;
  /**
   * Registers a target whose writes a {@link TargetRunner} performs (the target-runner port: how
   * the worker executor and any other executor plug in). `TypeError` when `runner` is combined with
   * `snapshot`/`codec`, when it is no runner, when its `attach()` refuses the target, or when the
   * target is registered already.
   */
  register<R extends TargetRunner>(
    target: TargetId,
    options: RunnerTargetOptions & { readonly runner: R },
  ): RunnerTargetHandle<R>;
  /** Frozen telemetry. */
  health(): PersistenceHealth;
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: PersistenceListener): () => void;
  /** Flushes and stops; never rejects; a second call returns the same promise. */
  close(options?: CloseOptions): Promise<ShutdownReport>;
  /**
   * `close()` with the default timeout, for `await using`. Rejects when the report is not `ok`
   * (a target failed or timed out): with a `PersistenceError` whose code is the first such
   * target's, its error as `cause` and the whole report in `details.report`. Inside an
   * `await using` block that threw already, the two errors arrive together as a `SuppressedError`.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === "function";
}

function interval(name: string, value: unknown, fallback: number, allowInfinity: boolean): number {
  const entry = {
    default: (value === undefined ? fallback : value) as number,
    min: 0,
    allowInfinity,
  };
  return resolvePolicy({ [name]: entry }, { env: {} }).values[name] as number;
}

function resolveExecutor(options: PersistenceWriterOptions): Executor {
  const sliceBudgetMs = options.sliceBudgetMs ?? 4;
  assertValidSliceBudget(sliceBudgetMs);
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

function resolveConcurrency(value: unknown): number {
  if (value === undefined) return DEFAULT_WRITE_CONCURRENCY;
  if (typeof value !== "number") throw new TypeError("concurrency must be a number");
  if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1))) {
    throw new RangeError(`concurrency must be an integer >= 1 or Infinity, got ${value}`);
  }
  return value;
}

/**
 * Runs `fn` with V8's stack capture off. The errors `close()` builds for timed-out and skipped
 * targets all come from the same timer callback, so their stacks say nothing; capturing them for
 * 10,000 targets would cost hundreds of ms past the deadline.
 */
function withoutStackTraces<R>(fn: () => R): R {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    // Frozen intrinsics: the stacks just cost their time.
    return fn();
  }
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function closeRunner(runner: TargetRunner, timeoutMs: number): Promise<void> {
  try {
    await runner.close?.({ timeoutMs });
  } catch {
    // A runner that fails to release has nobody left to report to: the writer is closing.
  }
}

function closedError(what: string): PersistenceError {
  return new PersistenceError("ERR_CLOSED", `writer is closed: cannot ${what}`);
}

/**
 * Creates the writer. Validates every option now: bad intervals throw `RangeError`, wrong types
 * `TypeError`.
 */
export function createPersistenceWriter(options: PersistenceWriterOptions): PersistenceWriter {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createPersistenceWriter needs an options object");
  }
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
  const executor = resolveExecutor(options);
  const limiter = new WriteLimiter(resolveConcurrency(options.concurrency));

  const schedulers = new Map<TargetId, CoalescingScheduler>();
  const runners = new Set<TargetRunner>();
  let listeners: readonly PersistenceListener[] = [];
  let listenerErrors = 0;
  let closePromise: Promise<ShutdownReport> | undefined;

  const host: SchedulerHost & { closing: boolean; listenerCount: number } = {
    clock,
    executor,
    retry,
    random,
    limiter,
    closing: false,
    listenerCount: 0,
    emit(type, target, generation, result) {
      const current = listeners;
      if (current.length === 0) return;
      const event: PersistenceEvent = Object.freeze({ type, target, generation, result });
      for (const listener of current) {
        try {
          listener(event);
        } catch {
          // A listener must never break the writer; the count shows up in health().
          listenerErrors++;
        }
      }
    },
    deliver(result) {
      if (onResult !== undefined) {
        try {
          onResult(result);
        } catch {
          listenerErrors++;
        }
      }
      this.emit("write-finished", result.target, result.generation, result);
    },
  };

  interface Registration {
    readonly debounceMs: number;
    readonly maxDelayMs: number;
    readonly shutdown: "flush" | "skip";
  }

  function registration(target: TargetId, targetOptions: object): Registration {
    const options = targetOptions as TargetOptions<unknown>;
    const debounceMs = interval("debounceMs", options.debounceMs, 1000, false);
    const maxDelayMs = interval("maxDelayMs", options.maxDelayMs, 10_000, true);
    if (maxDelayMs < debounceMs) {
      throw new RangeError(`maxDelayMs (${maxDelayMs}) must be >= debounceMs (${debounceMs})`);
    }
    const shutdown = options.shutdown ?? "flush";
    if (shutdown !== "flush" && shutdown !== "skip") {
      throw new TypeError(`shutdown must be "flush" or "skip", got ${JSON.stringify(shutdown)}`);
    }
    if (schedulers.has(target)) {
      throw new TypeError(`target ${JSON.stringify(target)} is already registered`);
    }
    return { debounceMs, maxDelayMs, shutdown };
  }

  function register<T>(target: TargetId, targetOptions: TargetOptions<T>): TargetHandle<T>;
  function register<R extends TargetRunner>(
    target: TargetId,
    targetOptions: RunnerTargetOptions & { readonly runner: R },
  ): RunnerTargetHandle<R>;
  function register<T>(
    target: TargetId,
    targetOptions: TargetOptions<T> | RunnerTargetOptions,
  ): TargetHandle<T> | RunnerTargetHandle {
    if (host.closing) throw closedError(`register ${JSON.stringify(target)}`);
    assertValidTarget(target);
    if (schedulers.has(target)) {
      throw new TypeError(`target ${JSON.stringify(target)} is already registered`);
    }
    if (typeof targetOptions !== "object" || targetOptions === null) {
      throw new TypeError("register() needs an options object");
    }
    if ("runner" in targetOptions && targetOptions.runner !== undefined) {
      return registerRunner(target, targetOptions as RunnerTargetOptions);
    }
    const { snapshot, codec } = targetOptions as TargetOptions<T>;
    if (!isFunction(snapshot)) {
      if ("replica" in targetOptions) {
        throw new TypeError(
          "register() takes a worker replica as { runner: replica } (the target-runner port)",
        );
      }
      throw new TypeError("register() needs either snapshot + codec or a runner");
    }
    if (typeof codec !== "object" || codec === null || !isFunction(codec.encode)) {
      throw new TypeError("codec must be a Codec with an encode() method");
    }
    const settings = registration(target, targetOptions);
    if (sink === undefined) {
      throw new TypeError(
        `target ${JSON.stringify(target)} has snapshot + codec, but the writer has no sink: pass \`sink\` to createPersistenceWriter, or register the target with a runner`,
      );
    }
    const scheduler = new CoalescingScheduler(host, {
      target,
      run: ({ generation, signal }) =>
        runWriteAttempt({
          target,
          generation,
          snapshot,
          codec,
          executor: host.executor,
          sink,
          signal,
        }),
      ...settings,
    });
    schedulers.set(target, scheduler);
    return Object.freeze(Object.assign(handleMethods(scheduler), { codec }));
  }

  function registerRunner(
    target: TargetId,
    targetOptions: RunnerTargetOptions,
  ): RunnerTargetHandle {
    const { runner } = targetOptions;
    const unknownOptions = targetOptions as { snapshot?: unknown; codec?: unknown };
    if (unknownOptions.snapshot !== undefined || unknownOptions.codec !== undefined) {
      throw new TypeError("pass either snapshot + codec or a runner, not both");
    }
    if (!isTargetRunner(runner)) {
      throw new TypeError(
        "runner must be a TargetRunner: { run(input), attach?(target), close?(options) }",
      );
    }
    const settings = registration(target, targetOptions);
    runner.attach?.(target);
    const scheduler = new CoalescingScheduler(host, {
      target,
      run: (input) => runTarget(runner, input),
      ...settings,
    });
    schedulers.set(target, scheduler);
    runners.add(runner);
    return Object.freeze(Object.assign(handleMethods(scheduler), { runner }));
  }

  function handleMethods(scheduler: CoalescingScheduler): Omit<TargetHandle<never>, "codec"> {
    const target = scheduler.target;
    return {
      target,
      request(reason: string, requestOptions?: RequestOptions): PersistenceTicket {
        if (host.closing) throw closedError(`request a save of ${JSON.stringify(target)}`);
        const urgency = requestOptions?.urgency;
        if (urgency === undefined || urgency === "debounced") {
          return scheduler.request(reason, false);
        }
        if (urgency === "immediate") return scheduler.request(reason, true);
        throw new TypeError(
          `urgency must be "debounced" or "immediate", got ${JSON.stringify(urgency)}`,
        );
      },
      saveNow(reason: string): Promise<WriteResult> {
        if (host.closing) throw closedError(`save ${JSON.stringify(target)}`);
        return scheduler.request(reason, true).settled;
      },
      get state(): TargetState {
        return scheduler.state();
      },
    };
  }

  async function runClose(timeoutMs: number): Promise<ShutdownReport> {
    const startedAt = clock.now();
    const all = [...schedulers.values()];
    for (const scheduler of all) scheduler.cancelTimers();
    let passed = false;
    let reachDeadline!: () => void;
    const deadline = new Promise<void>((resolve) => {
      reachDeadline = resolve;
    });
    const onDeadline = (): void => {
      passed = true;
      // No stage on purpose: a sink that rethrows the reason reports the stage it was in.
      const reason = new PersistenceError("ERR_ABORTED", "write aborted: close() deadline passed");
      for (const scheduler of all) scheduler.abortInFlight(reason);
      reachDeadline();
    };
    const deadlineTimer = new LongTimer(clock, onDeadline);
    // A zero deadline has passed already: no timer turn is needed (a manual clock may never move).
    if (timeoutMs <= 0) onDeadline();
    else deadlineTimer.arm(timeoutMs);
    const sleepers = new Set<LongTimer>();
    const context: CloseContext = {
      deadline,
      passed: () => passed,
      sleep(ms) {
        return new Promise<void>((resolve) => {
          const sleeper = new LongTimer(clock, () => {
            sleepers.delete(sleeper);
            resolve();
          });
          sleepers.add(sleeper);
          sleeper.arm(ms);
          void deadline.then(resolve);
        });
      },
    };
    for (const scheduler of all) scheduler.closer.begin();
    // A few close loops walk the targets in registration order instead of one loop per target:
    // writes run `concurrency` at a time anyway, and 10,000 loops waiting for a slot would cost
    // their allocations (and the garbage collector's time) before the first write and again at the
    // deadline. Spare loops keep the slots busy while some targets sleep in a retry backoff.
    let next = 0;
    const closeTargets = async (): Promise<void> => {
      while (next < all.length && !passed) {
        const scheduler = all[next++] as CoalescingScheduler;
        await scheduler.closer.run(context).catch(() => {
          // An unexpected bug in one target's close must not block the others; it reports timed-out.
        });
      }
    };
    const loops = Math.min(all.length, Math.max(16, limiter.limit * 4));
    const work = Promise.all(Array.from({ length: loops }, closeTargets));
    await Promise.race([work, deadline]);
    deadlineTimer.cancel();
    for (const sleeper of sleepers) sleeper.cancel();
    sleepers.clear();
    if (!passed) {
      // Work finished in time; wake whatever still waits on the deadline without aborting anything.
      reachDeadline();
    }
    const lines = withoutStackTraces(() => all.map((scheduler) => scheduler.closer.finish()));
    if (runners.size > 0) {
      // The writer owns the runners registered with it: nothing can save through them any more.
      // They get what is left of the deadline to release what they hold (a worker closes its sink).
      const left = passed ? 0 : Math.max(0, timeoutMs - (clock.now() - startedAt));
      await Promise.all([...runners].map((runner) => closeRunner(runner, left)));
    }
    const report = buildShutdownReport(clock.now() - startedAt, lines);
    host.emit("closed", undefined, undefined, undefined);
    return report;
  }

  function closeFallback(error: unknown): ShutdownReport {
    // Only reachable through a bug or a throwing clock: still resolve, and say what is unknown.
    const cause = toPersistenceError(error, { stage: "close" });
    return buildShutdownReport(
      0,
      [...schedulers.values()].map((scheduler) => ({
        target: scheduler.target,
        outcome: scheduler.unsaved ? "failed" : "clean",
        generation: scheduler.pendingGeneration,
        error: scheduler.unsaved ? cause : undefined,
      })),
    );
  }

  const writer: PersistenceWriter = {
    register,
    health(): PersistenceHealth {
      const entries: [TargetId, ReturnType<CoalescingScheduler["health"]>][] = [];
      for (const [target, scheduler] of schedulers) entries.push([target, scheduler.health()]);
      return buildHealth(entries, host.closing, listenerErrors);
    },
    subscribe(listener: PersistenceListener): () => void {
      if (!isFunction(listener)) throw new TypeError("listener must be a function");
      listeners = [...listeners, listener];
      host.listenerCount = listeners.length;
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        const index = listeners.indexOf(listener);
        if (index >= 0) listeners = [...listeners.slice(0, index), ...listeners.slice(index + 1)];
        host.listenerCount = listeners.length;
      };
    },
    close(closeOptions?: CloseOptions): Promise<ShutdownReport> {
      if (closePromise !== undefined) return closePromise;
      const timeoutMs = interval("timeoutMs", closeOptions?.timeoutMs, 10_000, true);
      host.closing = true;
      closePromise = runClose(timeoutMs).catch((error: unknown) => closeFallback(error));
      return closePromise;
    },
    async [Symbol.asyncDispose](): Promise<void> {
      const report = await writer.close();
      if (!report.ok) throw closeReportError(report);
    },
  };
  return writer;
}
