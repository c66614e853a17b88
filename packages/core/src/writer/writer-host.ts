import { onNextTurn } from "../attempt/event-loop-turn.js";
import type { Executor } from "../attempt/executors.js";
import type { Clock } from "../contracts/clock.js";
import type { TargetId } from "../contracts/target.js";
import type { WriteResult } from "../contracts/write-result.js";
import { AttemptSignals } from "./attempt-signals.js";
import type { RetryPolicy } from "./backoff.js";
import { isFunction, type ResolvedWriterOptions } from "./resolve-options.js";
import type { SchedulerHost } from "./scheduler/scheduler-host.js";
import { StartPacer } from "./start-pacer.js";
import { WriteLimiter } from "./write-limiter.js";
import type {
  PersistenceEvent,
  PersistenceEventType,
  PersistenceListener,
} from "./writer-event.js";

/**
 * What one writer's targets share: the clock, executor, retry policy and write limiter, the
 * `closing` flag, and the listeners with the count of their exceptions. Internal.
 */
export class WriterHost implements SchedulerHost {
  readonly clock: Clock;
  readonly executor: Executor;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  readonly limiter: WriteLimiter;
  /** The abort signals of the attempts, which the close deadline aborts. */
  readonly signals = new AttemptSignals();
  /** Set once `close()` began. */
  closing = false;
  listenerCount = 0;
  /** Exceptions thrown by listeners and `onResult`, caught and counted. */
  listenerErrors = 0;
  private listeners: readonly PersistenceListener[] = [];
  private readonly onResult: ((result: WriteResult) => void) | undefined;
  /** Results waiting for their batch; `undefined` until the close deadline passed. */
  private deferred: WriteResult[] | undefined = undefined;
  private flushQueued = false;
  // Bound once so that queueing a batch allocates no closure.
  private readonly onFlush = (): void => this.flushDeferred();

  constructor(options: ResolvedWriterOptions) {
    this.clock = options.clock;
    this.executor = options.executor;
    this.retry = options.retry;
    this.random = options.random;
    const pacer = new StartPacer(() => options.clock.now(), options.sliceBudgetMs);
    this.limiter = new WriteLimiter(options.concurrency, pacer);
    this.onResult = options.onResult;
  }

  emit(
    type: PersistenceEventType,
    target: TargetId | undefined,
    generation: number | undefined,
    result: WriteResult | undefined,
  ): void {
    const current = this.listeners;
    if (current.length === 0) return;
    const event: PersistenceEvent = Object.freeze({ type, target, generation, result });
    for (const listener of current) {
      try {
        listener(event);
      } catch {
        // A listener must never break the writer; the count shows up in health().
        this.listenerErrors++;
      }
    }
  }

  deliver(result: WriteResult): void {
    const deferred = this.deferred;
    if (deferred === undefined) {
      this.deliverNow(result);
      return;
    }
    deferred.push(result);
    if (this.flushQueued) return;
    this.flushQueued = true;
    onNextTurn(this.onFlush);
  }

  /**
   * From now on (the close deadline passed), results are handed to `onResult` and the listeners in
   * one batch per event-loop turn instead of as each attempt ends: the aborted writes end together,
   * and their events must not hold up `close()`, which resolves first.
   */
  deferDeliveries(): void {
    this.deferred ??= [];
  }

  private flushDeferred(): void {
    this.flushQueued = false;
    const batch = this.deferred ?? [];
    this.deferred = [];
    for (const result of batch) this.deliverNow(result);
  }

  private deliverNow(result: WriteResult): void {
    const onResult = this.onResult;
    if (onResult !== undefined) {
      try {
        onResult(result);
      } catch {
        this.listenerErrors++;
      }
    }
    this.emit("write-finished", result.target, result.generation, result);
  }

  /** Adds a listener; returns the unsubscribe function (idempotent). */
  subscribe(listener: PersistenceListener): () => void {
    if (!isFunction(listener)) throw new TypeError("listener must be a function");
    this.listeners = [...this.listeners, listener];
    this.listenerCount = this.listeners.length;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const listeners = this.listeners;
      const index = listeners.indexOf(listener);
      if (index >= 0) {
        this.listeners = [...listeners.slice(0, index), ...listeners.slice(index + 1)];
      }
      this.listenerCount = this.listeners.length;
    };
  }
}
