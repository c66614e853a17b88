import type { Executor } from "../../attempt/executors.js";
import type { WriteAttemptOutcome } from "../../attempt/write-attempt.js";
import type { Clock } from "../../contracts/clock.js";
import type { TargetId } from "../../contracts/target.js";
import type { WriteFailed, WriteResult, WriteTimings } from "../../contracts/write-result.js";
import { isPermanentErrorCode } from "../../errors/permanent-codes.js";
import { PersistenceError, type PersistenceErrorCode } from "../../errors/persistence-error.js";
import { LongTimer } from "../../sink-kit/long-timer.js";
import { type RetryPolicy, retryDelayMs } from "../backoff.js";
import type { LastErrorInfo, TargetHealth } from "../health.js";
import type { ShutdownOutcome, TargetShutdownReport } from "../shutdown-report.js";
import type { TargetState } from "../target-state.js";
import type { SlotRequest, WriteLimiter } from "../write-limiter.js";
import type { PersistenceEventType } from "../writer-event.js";
import { ReasonList } from "./reason-list.js";
import { Ticket, TicketBatch } from "./ticket-batch.js";

/** What every target's scheduler shares with the writer. Internal. */
export interface SchedulerHost {
  readonly clock: Clock;
  readonly executor: Executor;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  /** Bounds the write attempts running at once, over every target of the writer. */
  readonly limiter: WriteLimiter;
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

interface Flight {
  readonly generation: number;
  readonly batch: TicketBatch | undefined;
  readonly requests: number;
  readonly reasons: readonly string[];
  readonly attempt: number;
  readonly controller: AbortController;
  done: Promise<WriteResult>;
}

const NO_REASONS: readonly string[] = Object.freeze([]);
const ZERO_TIMINGS: WriteTimings = Object.freeze({
  snapshotMs: 0,
  encodeMs: 0,
  writeMs: 0,
  totalMs: 0,
});

/**
 * The per-target state machine of the writer: generations, debounce and max delay, one write in
 * flight, retry with backoff, ticket settlement and the target's part of `close()`.
 */
export class CoalescingScheduler {
  pendingGeneration = 0;
  durableGeneration = 0;
  /** Highest generation some started write covers. */
  private capturedGeneration = 0;
  /** Tickets of requests made since the last capture. */
  private batch: TicketBatch | undefined = undefined;
  private readonly reasons = new ReasonList();
  /** Reasons of a failed write, folded into the retry. */
  private carriedReasons: readonly string[] = NO_REASONS;
  private firstUncapturedAt = 0;
  private lastRequestAt = 0;
  private readonly timer: LongTimer;
  private timerIsRetry = false;
  private immediatePending = false;
  private startQueued = false;
  /** Consecutive transiently failed attempts. */
  private failedAttempts = 0;
  private flight: Flight | undefined = undefined;
  /** Set while the next write waits for one of the writer's `concurrency` slots. */
  private slotRequest: SlotRequest | undefined = undefined;
  /** Resolves the promise `close()` waits on while a slot is awaited. */
  private slotWaiters: (() => void)[] = [];
  private lastResult: WriteResult | undefined = undefined;
  private closeOutcome: ShutdownOutcome | undefined = undefined;
  private closeHadWork = false;
  private closeDeadlinePassed = false;

  private requests = 0;
  private writes = 0;
  private coalesced = 0;
  private successes = 0;
  private failures = 0;
  private retries = 0;
  private lastReason: string | undefined = undefined;
  private lastError: LastErrorInfo | undefined = undefined;
  private failingSince: number | undefined = undefined;
  private lastSuccessAt: number | undefined = undefined;
  private lastDurationMs: number | undefined = undefined;
  private bytes = 0;

  // Bound once so that queueing a start allocates no closure.
  private readonly onQueuedStart = (): void => this.queuedStart();

  constructor(
    private readonly host: SchedulerHost,
    readonly settings: SchedulerSettings,
  ) {
    this.timer = new LongTimer(host.clock, () => this.timerFired());
  }

  get target(): TargetId {
    return this.settings.target;
  }

  get unsaved(): boolean {
    return this.pendingGeneration > this.durableGeneration;
  }

  /** Records a request: O(1), no I/O. */
  request(reason: string, immediate: boolean): Ticket {
    const host = this.host;
    const now = host.clock.now();
    const generation = ++this.pendingGeneration;
    this.requests++;
    this.lastReason = reason;
    this.reasons.add(reason);
    let batch = this.batch;
    if (batch === undefined) {
      batch = new TicketBatch();
      this.batch = batch;
      this.firstUncapturedAt = now;
    }
    batch.count++;
    this.lastRequestAt = now;
    if (immediate) {
      if (this.flight !== undefined) {
        this.immediatePending = true;
      } else {
        this.timer.cancel();
        this.queueStart();
      }
    } else if (
      this.flight === undefined &&
      this.slotRequest === undefined &&
      !this.timer.armed &&
      !this.startQueued
    ) {
      this.armDebounce(now);
    }
    if (host.listenerCount > 0) host.emit("requested", this.settings.target, generation, undefined);
    return new Ticket(generation, batch.promise);
  }

  /** The public `state` view. */
  state(): TargetState {
    return Object.freeze({
      pendingGeneration: this.pendingGeneration,
      durableGeneration: this.durableGeneration,
      inFlight: this.flight !== undefined,
      unsaved: this.pendingGeneration > this.durableGeneration,
    });
  }

  /** The target's frozen telemetry. */
  health(): TargetHealth {
    return Object.freeze({
      requests: this.requests,
      writes: this.writes,
      coalesced: this.coalesced,
      successes: this.successes,
      failures: this.failures,
      retries: this.retries,
      lastReason: this.lastReason,
      lastError: this.lastError,
      failing: this.failingSince !== undefined,
      failingSince: this.failingSince,
      lastSuccessAt: this.lastSuccessAt,
      lastDurationMs: this.lastDurationMs,
      bytes: this.bytes,
      unsaved: this.pendingGeneration > this.durableGeneration,
      newerPending: this.pendingGeneration > this.capturedGeneration,
      pendingGeneration: this.pendingGeneration,
      durableGeneration: this.durableGeneration,
      inFlight: this.flight !== undefined,
    });
  }

  private armDebounce(now: number): void {
    const { debounceMs, maxDelayMs } = this.settings;
    const due = Math.min(this.lastRequestAt + debounceMs, this.firstUncapturedAt + maxDelayMs);
    if (due <= now) {
      // Already due (a long write pushed it back): no need to wait for a timer turn.
      this.queueStart();
      return;
    }
    // With a monotonic clock due - now never exceeds debounceMs; the bound keeps a clock that
    // stepped backwards from arming one huge timer (timerFired rebases such a clock).
    this.arm(Math.min(due - now, debounceMs), false);
  }

  private arm(delayMs: number, isRetry: boolean): void {
    this.timerIsRetry = isRetry;
    this.timer.arm(delayMs);
  }

  private timerFired(): void {
    if (this.host.closing || this.flight !== undefined || this.slotRequest !== undefined) return;
    if (this.timerIsRetry) {
      if (this.unsaved) this.start();
      return;
    }
    if (this.batch === undefined) return;
    // Lazy debounce: requests only move lastRequestAt; the timer checks on firing whether the
    // quiet period really elapsed and re-arms for the rest if not.
    const now = this.host.clock.now();
    if (now < this.lastRequestAt) {
      // The injected clock stepped backwards: rebase on it, so the save is postponed by at most
      // one more quiet period instead of by the size of the step.
      this.lastRequestAt = now;
      if (this.firstUncapturedAt > now) this.firstUncapturedAt = now;
    }
    const { debounceMs, maxDelayMs } = this.settings;
    const due = Math.min(this.lastRequestAt + debounceMs, this.firstUncapturedAt + maxDelayMs);
    if (now >= due) this.start();
    else this.arm(Math.min(due - now, debounceMs), false);
  }

  private queueStart(): void {
    if (this.startQueued) return;
    this.startQueued = true;
    // A microtask, not a synchronous start: request() must stay O(1) and run no snapshot().
    queueMicrotask(this.onQueuedStart);
  }

  private queuedStart(): void {
    this.startQueued = false;
    if (this.host.closing || this.flight !== undefined || this.slotRequest !== undefined) return;
    if (this.unsaved) this.start();
  }

  /**
   * Starts a write of the newest state as soon as one of the writer's slots is free. The generation
   * is captured and `snapshot()` runs only then, so a write that waited still writes the newest state.
   */
  private start(): void {
    if (this.flight !== undefined || this.slotRequest !== undefined) return;
    if (this.host.limiter.tryAcquire()) {
      this.launch();
      return;
    }
    this.slotRequest = this.host.limiter.wait(this.onSlotGranted);
  }

  // Bound once: called by the limiter with a slot held.
  private readonly onSlotGranted = (): void => this.slotGranted();

  private slotGranted(): void {
    this.slotRequest = undefined;
    // Nothing left to write (or the writer closed and the close deadline passed): give it back.
    if (this.flight !== undefined || !this.unsaved || this.closeDeadlinePassed) {
      this.host.limiter.release();
    } else {
      this.launch();
    }
    this.wakeSlotWaiters();
  }

  private wakeSlotWaiters(): void {
    const waiters = this.slotWaiters;
    if (waiters.length === 0) return;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once the queued start got its slot (or was cancelled). */
  private slotGrantedOrCancelled(): Promise<void> {
    if (this.slotRequest === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.slotWaiters.push(resolve);
    });
  }

  /** Runs the write, with a slot held. */
  private launch(): void {
    const host = this.host;
    const { target, run } = this.settings;
    const generation = this.pendingGeneration;
    const batch = this.batch;
    this.batch = undefined;
    const reasons = this.reasons.drain(this.carriedReasons);
    this.carriedReasons = NO_REASONS;
    this.capturedGeneration = generation;
    this.immediatePending = false;
    const attempt = this.failedAttempts + 1;
    this.writes++;
    if (attempt > 1) this.retries++;
    const controller = new AbortController();
    const flight: Flight = {
      generation,
      batch,
      requests: batch === undefined ? 0 : batch.count,
      reasons,
      attempt,
      controller,
      done: undefined as unknown as Promise<WriteResult>,
    };
    // Set before snapshot() runs, so a request made from inside snapshot() waits for this write.
    this.flight = flight;
    if (host.listenerCount > 0) host.emit("write-started", target, generation, undefined);
    flight.done = run({ target, generation, attempt, signal: controller.signal }).then((outcome) =>
      this.finish(flight, outcome),
    );
  }

  private finish(flight: Flight, outcome: WriteAttemptOutcome): WriteResult {
    const host = this.host;
    host.limiter.release();
    if (this.flight === flight) this.flight = undefined;
    const target = this.settings.target;
    const newerPending = this.pendingGeneration > flight.generation;
    const timings = Object.freeze(outcome.timings);
    this.lastDurationMs = timings.totalMs;
    if (flight.requests > 1) this.coalesced += flight.requests - 1;
    let result: WriteResult;
    if (outcome.ok) {
      if (flight.generation > this.durableGeneration) this.durableGeneration = flight.generation;
      this.successes++;
      this.bytes += outcome.bytes;
      this.lastSuccessAt = host.clock.now();
      this.failingSince = undefined;
      this.failedAttempts = 0;
      result = Object.freeze({
        ok: true,
        target,
        generation: flight.generation,
        reasons: flight.reasons,
        requests: flight.requests,
        attempt: flight.attempt,
        bytes: outcome.bytes,
        durable: outcome.durable,
        newerPending,
        timings,
      });
    } else {
      this.failures++;
      const { error, stage } = outcome;
      const permanent = isPermanentErrorCode(error.code);
      this.failedAttempts = permanent ? 0 : this.failedAttempts + 1;
      this.carriedReasons = flight.reasons;
      // During close the close loop retries by itself, within the deadline.
      const willRetry = !permanent && !host.closing;
      // An immediate request that arrived during the failed write wants the newest state now.
      const retryInMs = !willRetry
        ? undefined
        : this.immediatePending
          ? 0
          : retryDelayMs(this.failedAttempts, host.retry, host.random);
      const at = host.clock.now();
      this.lastError = Object.freeze({ code: error.code, stage, message: error.message, at });
      if (this.failingSince === undefined) this.failingSince = at;
      result = Object.freeze({
        ok: false,
        target,
        generation: flight.generation,
        reasons: flight.reasons,
        requests: flight.requests,
        attempt: flight.attempt,
        stage,
        error,
        newerPending,
        willRetry,
        retryInMs,
        timings,
      });
    }
    this.lastResult = result;
    const batch = flight.batch;
    if (!result.ok && host.closing && flight.controller.signal.aborted && batch !== undefined) {
      // Aborted by the close deadline: its tickets timed out, whether the sink honoured the abort
      // (ERR_ABORTED) or failed otherwise meanwhile. The attempt's own result still goes out below.
      batch.settle(this.closeResult("ERR_TIMEOUT", flight.generation, batch.count, result.error));
    } else {
      batch?.settle(result);
    }
    host.deliver(result);
    if (!host.closing) this.scheduleAfter(result);
    return result;
  }

  private scheduleAfter(result: WriteResult): void {
    if (!result.ok && result.willRetry) {
      if (this.immediatePending) this.queueStart();
      else this.arm(result.retryInMs ?? 0, true);
      if (this.host.listenerCount > 0) {
        this.host.emit("retry-scheduled", this.settings.target, result.generation, result);
      }
      return;
    }
    if (this.batch === undefined) return;
    if (this.immediatePending) this.queueStart();
    else this.armDebounce(this.host.clock.now());
  }

  /** Cancels timers when `close()` begins. */
  cancelTimers(): void {
    this.timer.cancel();
  }

  /** Aborts the running write, if any, and drops a start still waiting for a slot (close deadline). */
  abortInFlight(reason: PersistenceError): void {
    this.closeDeadlinePassed = true;
    this.flight?.controller.abort(reason);
    const request = this.slotRequest;
    if (request !== undefined) {
      this.slotRequest = undefined;
      this.host.limiter.cancel(request);
      this.wakeSlotWaiters();
    }
  }

  /** Called for every target when `close()` begins, before any target's close loop runs. */
  beginClose(): void {
    this.closeHadWork = this.flight !== undefined || this.slotRequest !== undefined || this.unsaved;
  }

  /**
   * This target's part of `close()`; records its outcome, never rejects. A target whose turn never
   * came before the deadline gets its outcome from {@link finishClose}.
   */
  async close(context: CloseContext): Promise<void> {
    let attempts = 0;
    const deadlineReached = context.deadline.then(() => undefined);
    for (;;) {
      if (this.slotRequest !== undefined) {
        await Promise.race([this.slotGrantedOrCancelled(), deadlineReached]);
      }
      const flight = this.flight;
      if (flight !== undefined) await Promise.race([flight.done, deadlineReached]);
      const settled = this.settledCloseOutcome();
      if (settled !== undefined) {
        this.closeOutcome = settled;
        return;
      }
      if (context.passed()) return;
      const last = this.lastResult;
      if (attempts > 0 && last !== undefined && !last.ok) {
        if (isPermanentErrorCode(last.error.code)) {
          this.closeOutcome = "failed";
          return;
        }
        await context.sleep(retryDelayMs(this.failedAttempts, this.host.retry, this.host.random));
        if (context.passed()) return;
      }
      attempts++;
      this.start();
    }
  }

  /** The report line after `close()`; settles every ticket still open. */
  finishClose(): TargetShutdownReport {
    const outcome = this.closeOutcome ?? this.outcomeAtDeadline();
    const target = this.settings.target;
    const generation = this.pendingGeneration;
    const lastError =
      this.lastResult !== undefined && !this.lastResult.ok ? this.lastResult.error : undefined;
    let error: PersistenceError | undefined;
    if (outcome === "failed") error = lastError;
    else if (outcome === "timed-out") {
      const message = `close() deadline passed before ${JSON.stringify(target)} was saved`;
      error = new PersistenceError(
        "ERR_TIMEOUT",
        message,
        lastError === undefined
          ? { stage: "close", target }
          : { stage: "close", target, cause: lastError },
      );
    }
    const code: PersistenceErrorCode = outcome === "timed-out" ? "ERR_TIMEOUT" : "ERR_CLOSED";
    // A timed-out target's tickets share its report error: with thousands of targets at the
    // deadline, building errors is most of what close() does after it (see runClose).
    const ticketError = outcome === "timed-out" ? error : undefined;
    const flight = this.flight;
    if (flight?.batch !== undefined && !flight.batch.settled) {
      flight.batch.settle(
        this.closeResult(code, flight.generation, flight.batch.count, error, ticketError),
      );
    }
    if (this.batch !== undefined) {
      const batch = this.batch;
      this.batch = undefined;
      batch.settle(this.closeResult(code, generation, batch.count, error, ticketError));
    }
    return { target, outcome, generation, error };
  }

  /** The outcome of a target whose close loop had not decided when the deadline passed. */
  private outcomeAtDeadline(): ShutdownOutcome {
    return this.settledCloseOutcome() ?? "timed-out";
  }

  /** The close outcome once nothing is in flight and nothing is left to write; `undefined` before. */
  private settledCloseOutcome(): ShutdownOutcome | undefined {
    if (this.flight !== undefined || this.slotRequest !== undefined) return undefined;
    if (!this.unsaved) return this.closeHadWork ? "written" : "clean";
    if (this.settings.shutdown === "skip") return "skipped";
    return undefined;
  }

  private closeResult(
    code: PersistenceErrorCode,
    generation: number,
    requests: number,
    cause: PersistenceError | undefined,
    error?: PersistenceError,
  ): WriteFailed {
    const target = this.settings.target;
    const message =
      code === "ERR_TIMEOUT"
        ? `writer closed: deadline passed before ${JSON.stringify(target)} was saved`
        : `writer closed: ${JSON.stringify(target)} was not saved (shutdown: "${this.settings.shutdown}")`;
    return Object.freeze({
      ok: false,
      target,
      generation,
      reasons: NO_REASONS,
      requests,
      attempt: 0,
      stage: "close",
      error:
        error ??
        new PersistenceError(
          code,
          message,
          cause === undefined ? { stage: "close", target } : { stage: "close", target, cause },
        ),
      newerPending: false,
      willRetry: false,
      retryInMs: undefined,
      timings: ZERO_TIMINGS,
    });
  }
}
