import type { Executor } from "../../attempt/executors.js";
import type { WriteAttemptOutcome } from "../../attempt/write-attempt.js";
import type { Clock } from "../../contracts/clock.js";
import type { TargetId } from "../../contracts/target.js";
import type { WriteResult } from "../../contracts/write-result.js";
import type { AttemptSignals } from "../attempt-signals.js";
import type { RetryPolicy } from "../backoff.js";
import type { WriteLimiter } from "../write-limiter.js";
import type { PersistenceEventType } from "../writer-event.js";

/** What every target's scheduler shares with the writer. Internal. */
export interface SchedulerHost {
  readonly clock: Clock;
  readonly executor: Executor;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  /** Bounds the write attempts running at once, over every target of the writer. */
  readonly limiter: WriteLimiter;
  /** The abort signals of the attempts, which the close deadline aborts. */
  readonly signals: AttemptSignals;
  /** Set once `close()` began. */
  readonly closing: boolean;
  /** Number of subscribed listeners; events are only built when there are some. */
  readonly listenerCount: number;
  emit(
    type: PersistenceEventType,
    target: TargetId | undefined,
    generation: number | undefined,
    result: WriteResult | undefined,
  ): void;
  /** Hands a result to `onResult` and the listeners. */
  deliver(result: WriteResult): void;
}

/** Validated registration settings of one target. Internal. */
export interface SchedulerSettings {
  readonly target: TargetId;
  /**
   * Runs one write attempt of the newest state: `snapshot()` + codec + sink on this thread, or a
   * target runner. Never rejects.
   */
  readonly run: (input: AttemptInput) => Promise<WriteAttemptOutcome>;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly shutdown: "flush" | "skip";
}

/** What the scheduler tells {@link SchedulerSettings.run} about one attempt. Internal. */
export interface AttemptInput {
  readonly target: TargetId;
  readonly generation: number;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** What `close()` hands each target. Internal. */
export interface CloseContext {
  /** Resolves when the deadline passes. */
  readonly deadline: Promise<void>;
  /** True once the deadline passed. */
  passed(): boolean;
  /** Sleeps on the writer's clock, or until the deadline. */
  sleep(ms: number): Promise<void>;
}
