import type { Clock } from "../../contracts/clock.js";
import type { PersistenceError, WriteStage } from "../../errors/persistence-error.js";
import type { LastErrorInfo, TargetHealth } from "../health.js";

/** The generations and flags a {@link TargetHealth} reports next to the counters. */
export interface TargetGenerations {
  readonly pendingGeneration: number;
  readonly durableGeneration: number;
  /** Highest generation some started write covers. */
  readonly capturedGeneration: number;
  readonly inFlight: boolean;
}

/**
 * The counters behind one target's {@link TargetHealth} (docs/architecture.md#scheduler-rules,
 * rule 10). Internal.
 */
export class TargetTelemetry {
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

  constructor(private readonly clock: Clock) {}

  /** A request was made. */
  recordRequest(reason: string): void {
    this.requests++;
    this.lastReason = reason;
  }

  /** A write attempt started; `attempt > 1` for a retry. */
  recordStart(attempt: number): void {
    this.writes++;
    if (attempt > 1) this.retries++;
  }

  /** An attempt finished after `totalMs`, settling `requests` requests. */
  recordFinish(totalMs: number, requests: number): void {
    this.lastDurationMs = totalMs;
    if (requests > 1) this.coalesced += requests - 1;
  }

  /** The attempt succeeded with `bytes` written. */
  recordSuccess(bytes: number): void {
    this.successes++;
    this.bytes += bytes;
    this.lastSuccessAt = this.clock.now();
    this.failingSince = undefined;
  }

  /** The attempt failed; {@link recordError} follows once the retry is decided. */
  countFailure(): void {
    this.failures++;
  }

  /** Keeps the failure's error as `lastError` and starts the failing run, if not failing already. */
  recordError(error: PersistenceError, stage: WriteStage): void {
    const at = this.clock.now();
    this.lastError = Object.freeze({ code: error.code, stage, message: error.message, at });
    if (this.failingSince === undefined) this.failingSince = at;
  }

  /** The target's frozen telemetry. */
  health(generations: TargetGenerations): TargetHealth {
    const { pendingGeneration, durableGeneration, capturedGeneration, inFlight } = generations;
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
      unsaved: pendingGeneration > durableGeneration,
      newerPending: pendingGeneration > capturedGeneration,
      pendingGeneration,
      durableGeneration,
      inFlight,
    });
  }
}
