import type { WriteAttemptOutcome } from "../../attempt/write-attempt.js";
import type { TargetId } from "../../contracts/target.js";
import type { WriteResult } from "../../contracts/write-result.js";
import type { TargetHealth } from "../health.js";
import type { TargetState } from "../target-state.js";
import { createFlight, type Flight } from "./flight.js";
import { ReasonList } from "./reason-list.js";
import type { SchedulerHost, SchedulerSettings } from "./scheduler-host.js";
import { SlotWait } from "./slot-wait.js";
import { TargetClose } from "./target-close.js";
import { TargetTelemetry } from "./target-telemetry.js";
import { Ticket, TicketBatch } from "./ticket-batch.js";
import { WriteOutcomes } from "./write-outcomes.js";
import { WriteTimer } from "./write-timer.js";

/**
 * The per-target state machine of the writer: generations, debounce and max delay, one write in
 * flight, retry with backoff, ticket settlement and the target's part of `close()`.
 */
export class CoalescingScheduler {
  /** Highest requested generation. */
  pendingGeneration = 0;
  /** Highest generation some started write covers. */
  private capturedGeneration = 0;
  /** Tickets of requests made since the last capture. */
  private batch: TicketBatch | undefined = undefined;
  private readonly reasons = new ReasonList();
  private readonly timer: WriteTimer;
  private immediatePending = false;
  private startQueued = false;
  /** The running write, if any. */
  flight: Flight | undefined = undefined;
  /** The next write's wait for one of the writer's `concurrency` slots. */
  readonly slot: SlotWait;
  private readonly telemetry: TargetTelemetry;
  /** What the finished writes left: durable generation, failure run, last result. */
  readonly outcomes: WriteOutcomes;
  /** This target's part of `close()`. */
  readonly closer: TargetClose;

  // Bound once so that queueing a start allocates no closure.
  private readonly onQueuedStart = (): void => this.queuedStart();

  constructor(
    private readonly host: SchedulerHost,
    readonly settings: SchedulerSettings,
  ) {
    this.timer = new WriteTimer(host.clock, settings, () => this.timerFired());
    this.slot = new SlotWait(host.limiter, () => this.slotGranted());
    this.telemetry = new TargetTelemetry(host.clock);
    this.outcomes = new WriteOutcomes(host, settings.target, this.telemetry);
    this.closer = new TargetClose(host, this);
  }

  get target(): TargetId {
    return this.settings.target;
  }

  /** Highest generation covered by a successful write. */
  get durableGeneration(): number {
    return this.outcomes.durableGeneration;
  }

  get unsaved(): boolean {
    return this.pendingGeneration > this.outcomes.durableGeneration;
  }

  /** Records a request: O(1), no I/O. */
  request(reason: string, immediate: boolean): Ticket {
    const host = this.host;
    const now = host.clock.now();
    const generation = ++this.pendingGeneration;
    this.telemetry.recordRequest(reason);
    this.reasons.add(reason);
    let batch = this.batch;
    const first = batch === undefined;
    if (batch === undefined) {
      batch = new TicketBatch();
      this.batch = batch;
    }
    batch.count++;
    this.timer.noteRequest(now, first);
    if (immediate) {
      if (this.flight !== undefined) {
        this.immediatePending = true;
      } else {
        this.timer.cancel();
        this.queueStart();
      }
    } else if (
      this.flight === undefined &&
      !this.slot.pending &&
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
    return this.telemetry.health({
      pendingGeneration: this.pendingGeneration,
      durableGeneration: this.durableGeneration,
      capturedGeneration: this.capturedGeneration,
      inFlight: this.flight !== undefined,
    });
  }

  private armDebounce(now: number): void {
    if (!this.timer.armDebounce(now)) this.queueStart();
  }

  private timerFired(): void {
    if (this.host.closing || this.flight !== undefined || this.slot.pending) return;
    if (this.timer.isRetry) {
      if (this.unsaved) this.start();
      return;
    }
    if (this.batch === undefined) return;
    if (this.timer.debounceElapsed(this.host.clock.now())) this.start();
  }

  private queueStart(): void {
    if (this.startQueued) return;
    this.startQueued = true;
    // A microtask, not a synchronous start: request() must stay O(1) and run no snapshot().
    queueMicrotask(this.onQueuedStart);
  }

  private queuedStart(): void {
    this.startQueued = false;
    if (this.host.closing || this.flight !== undefined || this.slot.pending) return;
    if (this.unsaved) this.start();
  }

  /**
   * Starts a write of the newest state as soon as one of the writer's slots is free. The generation
   * is captured and `snapshot()` runs only then, so a write that waited still writes the newest state.
   */
  start(): void {
    if (this.flight !== undefined || this.slot.pending) return;
    if (this.host.limiter.tryAcquire()) {
      this.launch();
      return;
    }
    this.slot.queue();
  }

  /** Called by the limiter with a slot held. */
  private slotGranted(): void {
    this.slot.granted();
    // Nothing left to write (or the close deadline passed meanwhile): give it back.
    if (this.flight !== undefined || !this.unsaved || this.host.limiter.stopped) {
      this.host.limiter.release();
    } else {
      this.launch();
    }
    this.slot.wake();
  }

  /** Runs the write, with a slot held. */
  private launch(): void {
    const host = this.host;
    const { target, run } = this.settings;
    const generation = this.pendingGeneration;
    const batch = this.batch;
    this.batch = undefined;
    const reasons = this.reasons.drain(this.outcomes.takeCarriedReasons());
    this.capturedGeneration = generation;
    this.immediatePending = false;
    const attempt = this.outcomes.failedAttempts + 1;
    this.telemetry.recordStart(attempt);
    const flight = createFlight(
      generation,
      batch,
      reasons,
      attempt,
      host.signals.take(),
      host.closing,
    );
    // Set before snapshot() runs, so a request made from inside snapshot() waits for this write.
    this.flight = flight;
    if (host.listenerCount > 0) host.emit("write-started", target, generation, undefined);
    flight.done = run({ target, generation, attempt, signal: flight.controller.signal }).then(
      (outcome) => this.finish(flight, outcome),
    );
  }

  private finish(flight: Flight, outcome: WriteAttemptOutcome): WriteResult {
    const host = this.host;
    host.limiter.release();
    host.signals.done(flight.controller);
    if (this.flight === flight) this.flight = undefined;
    const newerPending = this.pendingGeneration > flight.generation;
    const result = this.outcomes.record(flight, outcome, newerPending, this.immediatePending);
    this.settleFlight(flight, result);
    host.deliver(result);
    if (!host.closing) this.scheduleAfter(result);
    return result;
  }

  private settleFlight(flight: Flight, result: WriteResult): void {
    const batch = flight.batch;
    if (batch === undefined) return;
    if (!result.ok && this.host.closing && flight.controller.signal.aborted) {
      // Aborted by the close deadline: its tickets timed out, whether the sink honoured the abort
      // (ERR_ABORTED) or failed otherwise meanwhile. The attempt's own result still goes out.
      batch.settle(this.closer.timedOutResult(flight, result.error));
    } else {
      batch.settle(result);
    }
  }

  private scheduleAfter(result: WriteResult): void {
    if (!result.ok && result.willRetry) {
      if (this.immediatePending) this.queueStart();
      else this.timer.armRetry(result.retryInMs ?? 0);
      if (this.host.listenerCount > 0) {
        this.host.emit("retry-scheduled", this.settings.target, result.generation, result);
      }
      return;
    }
    if (this.batch === undefined) return;
    if (this.immediatePending) this.queueStart();
    else this.armDebounce(this.host.clock.now());
  }

  /** Hands over the tickets of the requests no write covers yet (at the end of `close()`). */
  takeBatch(): TicketBatch | undefined {
    const batch = this.batch;
    this.batch = undefined;
    return batch;
  }

  /** Cancels timers when `close()` begins. */
  cancelTimers(): void {
    this.timer.cancel();
  }
}
