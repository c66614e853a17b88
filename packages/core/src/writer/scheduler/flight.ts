import type { TargetId } from "../../contracts/target.js";
import type {
  WriteFailed,
  WriteResult,
  WriteSucceeded,
  WriteTimings,
} from "../../contracts/write-result.js";
import type { PersistenceError, WriteStage } from "../../errors/persistence-error.js";
import type { TicketBatch } from "./ticket-batch.js";

/** The one write attempt of a target that is running. Internal. */
export interface Flight {
  readonly generation: number;
  /** Tickets of the requests this write covers that no earlier write settled. */
  readonly batch: TicketBatch | undefined;
  readonly requests: number;
  readonly reasons: readonly string[];
  readonly attempt: number;
  /** Started after `close()` began (by its close loop). */
  readonly startedClosing: boolean;
  /** Aborted by the close deadline (shared with a few attempts started next to it, see AttemptSignals). */
  readonly controller: AbortController;
  /** Resolves with the attempt's result once the scheduler recorded it. */
  done: Promise<WriteResult>;
}

/**
 * A new flight of attempt number `attempt`, covering `generation` and the tickets of `batch`,
 * aborted through `controller`.
 */
export function createFlight(
  generation: number,
  batch: TicketBatch | undefined,
  reasons: readonly string[],
  attempt: number,
  controller: AbortController,
  startedClosing = false,
): Flight {
  return {
    generation,
    batch,
    requests: batch === undefined ? 0 : batch.count,
    reasons,
    attempt,
    startedClosing,
    controller,
    // Set by the scheduler right after the attempt started.
    done: undefined as unknown as Promise<WriteResult>,
  };
}

/** How a failed attempt goes on: decided by the scheduler from the error and its retry policy. */
export interface FlightFailure {
  readonly stage: WriteStage;
  readonly error: PersistenceError;
  readonly willRetry: boolean;
  readonly retryInMs: number | undefined;
}

/** The frozen result of a flight that succeeded. */
export function succeededResult(
  target: TargetId,
  flight: Flight,
  written: { readonly bytes: number; readonly durable: boolean },
  newerPending: boolean,
  timings: WriteTimings,
): WriteSucceeded {
  return Object.freeze({
    ok: true,
    target,
    generation: flight.generation,
    reasons: flight.reasons,
    requests: flight.requests,
    attempt: flight.attempt,
    bytes: written.bytes,
    durable: written.durable,
    newerPending,
    timings,
  });
}

/** The frozen result of a flight that failed. */
export function failedResult(
  target: TargetId,
  flight: Flight,
  failure: FlightFailure,
  newerPending: boolean,
  timings: WriteTimings,
): WriteFailed {
  return Object.freeze({
    ok: false,
    target,
    generation: flight.generation,
    reasons: flight.reasons,
    requests: flight.requests,
    attempt: flight.attempt,
    stage: failure.stage,
    error: failure.error,
    newerPending,
    willRetry: failure.willRetry,
    retryInMs: failure.retryInMs,
    timings,
  });
}
