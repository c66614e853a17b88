import type { WriteAttemptOutcome } from "../../attempt/write-attempt.js";
import type { TargetId } from "../../contracts/target.js";
import type {
  WriteFailed,
  WriteResult,
  WriteSucceeded,
  WriteTimings,
} from "../../contracts/write-result.js";
import { isPermanentErrorCode } from "../../errors/permanent-codes.js";
import { retryDelayMs } from "../backoff.js";
import { type Flight, failedResult, succeededResult } from "./flight.js";
import { NO_REASONS } from "./reason-list.js";
import type { SchedulerHost } from "./scheduler-host.js";
import type { TargetTelemetry } from "./target-telemetry.js";

type SucceededOutcome = Extract<WriteAttemptOutcome, { ok: true }>;
type FailedOutcome = Extract<WriteAttemptOutcome, { ok: false }>;

/**
 * What a target's finished writes leave behind: the durable generation, the run of transient
 * failures the next retry's delay counts from, the reasons a failed write hands to its retry, and
 * the last result. Turns each attempt's outcome into its frozen `WriteResult`. Internal.
 */
export class WriteOutcomes {
  /** Highest generation covered by a successful write. */
  durableGeneration = 0;
  /** Consecutive transiently failed attempts. */
  failedAttempts = 0;
  lastResult: WriteResult | undefined = undefined;
  /** Reasons of a failed write, folded into the retry. */
  private carriedReasons: readonly string[] = NO_REASONS;

  constructor(
    private readonly host: SchedulerHost,
    private readonly target: TargetId,
    private readonly telemetry: TargetTelemetry,
  ) {}

  /** The reasons a failed write left for the next one; empties them. */
  takeCarriedReasons(): readonly string[] {
    const reasons = this.carriedReasons;
    this.carriedReasons = NO_REASONS;
    return reasons;
  }

  /**
   * Records the outcome of `flight` and returns its result. `immediatePending`: an immediate
   * request arrived during the write, so a transient failure is retried at once.
   */
  record(
    flight: Flight,
    outcome: WriteAttemptOutcome,
    newerPending: boolean,
    immediatePending: boolean,
  ): WriteResult {
    const timings = Object.freeze(outcome.timings);
    this.telemetry.recordFinish(timings.totalMs, flight.requests);
    const result = outcome.ok
      ? this.succeeded(flight, outcome, newerPending, timings)
      : this.failed(flight, outcome, newerPending, timings, immediatePending);
    this.lastResult = result;
    return result;
  }

  private succeeded(
    flight: Flight,
    outcome: SucceededOutcome,
    newerPending: boolean,
    timings: WriteTimings,
  ): WriteSucceeded {
    if (flight.generation > this.durableGeneration) this.durableGeneration = flight.generation;
    this.telemetry.recordSuccess(outcome.bytes);
    this.failedAttempts = 0;
    return succeededResult(this.target, flight, outcome, newerPending, timings);
  }

  private failed(
    flight: Flight,
    outcome: FailedOutcome,
    newerPending: boolean,
    timings: WriteTimings,
    immediatePending: boolean,
  ): WriteFailed {
    const host = this.host;
    this.telemetry.countFailure();
    const { error, stage } = outcome;
    const permanent = isPermanentErrorCode(error.code);
    this.failedAttempts = permanent ? 0 : this.failedAttempts + 1;
    this.carriedReasons = flight.reasons;
    // During close the close loop retries a transient failure by itself while the deadline allows
    // (see TargetClose.run): at once for a write that began before close(), after the backoff
    // for one it started. Once the deadline passed nothing is retried.
    const willRetry = !permanent && !(host.closing && host.limiter.stopped);
    const retryInMs = !willRetry
      ? undefined
      : host.closing
        ? flight.startedClosing
          ? retryDelayMs(this.failedAttempts, host.retry, host.random)
          : 0
        : // An immediate request that arrived during the failed write wants the newest state now.
          immediatePending
          ? 0
          : retryDelayMs(this.failedAttempts, host.retry, host.random);
    this.telemetry.recordError(error, stage);
    const failure = { stage, error, willRetry, retryInMs };
    return failedResult(this.target, flight, failure, newerPending, timings);
  }
}
