import type { WriteFailed } from "../../contracts/write-result.js";
import { isPermanentErrorCode } from "../../errors/permanent-codes.js";
import type { PersistenceError, PersistenceErrorCode } from "../../errors/persistence-error.js";
import { retryDelayMs } from "../backoff.js";
import {
  type ShutdownOutcome,
  type TargetShutdownReport,
  targetShutdownLine,
} from "../shutdown-report.js";
import { closedResult } from "./closed-result.js";
import type { Flight } from "./flight.js";
import type { CloseContext, SchedulerHost, SchedulerSettings } from "./scheduler-host.js";
import type { SlotWait } from "./slot-wait.js";
import type { TicketBatch } from "./ticket-batch.js";
import type { WriteOutcomes } from "./write-outcomes.js";

/** What {@link TargetClose} reads of its target's scheduler. Internal. */
export interface ClosingTarget {
  readonly settings: SchedulerSettings;
  readonly pendingGeneration: number;
  readonly unsaved: boolean;
  /** The running write, if any. */
  readonly flight: Flight | undefined;
  /** The next write's wait for a write slot. */
  readonly slot: SlotWait;
  /** Its last result and the run of transient failures the retry delay counts from. */
  readonly outcomes: Pick<WriteOutcomes, "lastResult" | "failedAttempts">;
  /** Starts a write of the newest state when a slot is free. */
  start(): void;
  /** Hands over the tickets of the requests no write covers yet. */
  takeBatch(): TicketBatch | undefined;
}

/**
 * One target's part of `close()`: writes what is unsaved (retrying within the deadline), decides
 * its {@link ShutdownOutcome}, and settles every ticket still open at the end. Internal.
 */
export class TargetClose {
  /** Set once the target's close loop decided. */
  private outcome: ShutdownOutcome | undefined = undefined;
  private hadWork = false;

  constructor(
    private readonly host: SchedulerHost,
    private readonly scheduler: ClosingTarget,
  ) {}

  /** Called for every target when `close()` begins, before any target's close loop runs. */
  begin(): void {
    const scheduler = this.scheduler;
    this.hadWork = scheduler.flight !== undefined || scheduler.slot.pending || scheduler.unsaved;
  }

  /**
   * The close loop; records the outcome, never rejects. A target whose turn never came before the
   * deadline gets its outcome from {@link finish}.
   */
  async run(context: CloseContext): Promise<void> {
    const scheduler = this.scheduler;
    let attempts = 0;
    const deadlineReached = context.deadline.then(() => undefined);
    for (;;) {
      if (scheduler.slot.pending) await Promise.race([scheduler.slot.settled(), deadlineReached]);
      const flight = scheduler.flight;
      if (flight !== undefined) await Promise.race([flight.done, deadlineReached]);
      const settled = this.settledOutcome();
      if (settled !== undefined) {
        this.outcome = settled;
        return;
      }
      if (context.passed()) return;
      const last = scheduler.outcomes.lastResult;
      if (attempts > 0 && last !== undefined && !last.ok) {
        if (isPermanentErrorCode(last.error.code)) {
          this.outcome = "failed";
          return;
        }
        // The delay the failure's result announced (`retryInMs`), so what listeners were told holds.
        const { retry, random } = this.host;
        const delay =
          last.retryInMs ?? retryDelayMs(scheduler.outcomes.failedAttempts, retry, random);
        await context.sleep(delay);
        if (context.passed()) return;
      }
      attempts++;
      scheduler.start();
    }
  }

  /** The report line after `close()`; settles every ticket still open. */
  finish(): TargetShutdownReport {
    const scheduler = this.scheduler;
    // A start still waiting for a slot at the deadline never runs.
    scheduler.slot.cancel();
    // A target whose close loop had not decided when the deadline passed timed out.
    const outcome = this.outcome ?? this.settledOutcome() ?? "timed-out";
    const generation = scheduler.pendingGeneration;
    const last = scheduler.outcomes.lastResult;
    const lastError = last !== undefined && !last.ok ? last.error : undefined;
    const line = targetShutdownLine(scheduler.settings.target, outcome, generation, lastError);
    const { error } = line;
    const code: PersistenceErrorCode = outcome === "timed-out" ? "ERR_TIMEOUT" : "ERR_CLOSED";
    // A timed-out target's tickets share its report error: with thousands of targets at the
    // deadline, building errors is most of what close() does after it (see runClose).
    const ticketError = outcome === "timed-out" ? error : undefined;
    const flight = scheduler.flight;
    if (flight?.batch !== undefined && !flight.batch.settled) {
      flight.batch.settle(
        this.ticketsResult(code, flight.generation, flight.batch.count, error, ticketError),
      );
    }
    const batch = scheduler.takeBatch();
    if (batch !== undefined) {
      batch.settle(this.ticketsResult(code, generation, batch.count, error, ticketError));
    }
    return line;
  }

  /** What the tickets of a write the close deadline aborted settle with. */
  timedOutResult(flight: Flight, cause: PersistenceError): WriteFailed {
    const requests = flight.batch === undefined ? 0 : flight.batch.count;
    return this.ticketsResult("ERR_TIMEOUT", flight.generation, requests, cause);
  }

  /** The outcome once nothing is in flight and nothing is left to write; `undefined` before. */
  private settledOutcome(): ShutdownOutcome | undefined {
    const scheduler = this.scheduler;
    if (scheduler.flight !== undefined || scheduler.slot.pending) return undefined;
    if (!scheduler.unsaved) return this.hadWork ? "written" : "clean";
    if (scheduler.settings.shutdown === "skip") return "skipped";
    return undefined;
  }

  private ticketsResult(
    code: PersistenceErrorCode,
    generation: number,
    requests: number,
    cause: PersistenceError | undefined,
    error?: PersistenceError,
  ): WriteFailed {
    const { target, shutdown } = this.scheduler.settings;
    return closedResult({ target, shutdown, code, generation, requests, cause, error });
  }
}
