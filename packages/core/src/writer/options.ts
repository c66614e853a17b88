import type { Executor, ExecutorName } from "../attempt/executors.js";
import type { TargetRunner } from "../attempt/target-runner.js";
import type { Clock } from "../contracts/clock.js";
import type { Codec } from "../contracts/codec.js";
import type { Sink } from "../contracts/sink.js";
import type { Urgency } from "../contracts/urgency.js";
import type { WriteResult } from "../contracts/write-result.js";
import type { RetryOptions } from "./backoff.js";

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
  /**
   * How long the writer holds the event loop in one go, in ms: one slice of the `sliced` executor,
   * and the starts of many writes in one event-loop turn (the rest start on the next turns). Finite,
   * `> 0`. Default `4`.
   */
  readonly sliceBudgetMs?: number | undefined;
  /** Retry backoff of transient failures. Defaults: 100 ms, x2, max 30 s, jitter 0.2. */
  readonly retry?: RetryOptions | undefined;
  /** Random source in `[0, 1)` for the jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Called with every attempt's result. Exceptions are caught and counted in `health()`. */
  readonly onResult?: ((result: WriteResult) => void) | undefined;
  /**
   * How many write attempts (snapshot + encode + `sink.write`) run at once, over all targets: an
   * integer in `1..1024` (a larger number is a `RangeError`), or `Infinity` for no bound. Default
   * {@link DEFAULT_WRITE_CONCURRENCY} (8).
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
