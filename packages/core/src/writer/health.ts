import type { TargetId } from "../contracts/target.js";
import type { PersistenceErrorCode, WriteStage } from "../errors/persistence-error.js";

/** The last error of a target, as plain data. */
export interface LastErrorInfo {
  /** Error code. */
  readonly code: PersistenceErrorCode;
  /** Stage at which the write failed. */
  readonly stage: WriteStage | undefined;
  /** Error message. */
  readonly message: string;
  /** Clock time of the failure, in ms. */
  readonly at: number;
}

/** Telemetry of one target (docs/architecture.md#scheduler-rules, rule 10). */
export interface TargetHealth {
  /** Requests made. */
  readonly requests: number;
  /** Write attempts started, retries included. */
  readonly writes: number;
  /** Requests that did not get a write of their own: for every write outcome, its `requests - 1`. */
  readonly coalesced: number;
  /** Successful writes. */
  readonly successes: number;
  /** Failed writes. */
  readonly failures: number;
  /** Attempts that were retries (`attempt > 1`). */
  readonly retries: number;
  /** Reason of the latest request. */
  readonly lastReason: string | undefined;
  /**
   * Latest failure; stays set after a later success, as history. Use {@link failing} to ask whether
   * the target is failing now.
   */
  readonly lastError: LastErrorInfo | undefined;
  /** True when the latest finished attempt failed; a success clears it. */
  readonly failing: boolean;
  /**
   * Clock time of the first failure of the current run of failures, in ms; `undefined` while not
   * failing. A success clears it, so `now - failingSince` is how long saving has been broken.
   */
  readonly failingSince: number | undefined;
  /** Clock time of the latest success, in ms. */
  readonly lastSuccessAt: number | undefined;
  /** `totalMs` of the latest finished attempt. */
  readonly lastDurationMs: number | undefined;
  /** Bytes written successfully, summed over all successes. */
  readonly bytes: number;
  /** `pendingGeneration > durableGeneration`. */
  readonly unsaved: boolean;
  /** Requests exist that no started write covers yet. */
  readonly newerPending: boolean;
  /** Highest requested generation. */
  readonly pendingGeneration: number;
  /** Highest generation covered by a successful write. */
  readonly durableGeneration: number;
  /** Whether a write is running. */
  readonly inFlight: boolean;
}

/** Sums of the {@link TargetHealth} counters over all targets. */
export interface HealthTotals {
  /** Registered targets. */
  readonly targets: number;
  /** Targets with `unsaved: true`. */
  readonly unsavedTargets: number;
  /** Targets with `failing: true`. */
  readonly failingTargets: number;
  /** Sum of {@link TargetHealth.requests}. */
  readonly requests: number;
  /** Sum of {@link TargetHealth.writes}. */
  readonly writes: number;
  /** Sum of {@link TargetHealth.coalesced}. */
  readonly coalesced: number;
  /** Sum of {@link TargetHealth.successes}. */
  readonly successes: number;
  /** Sum of {@link TargetHealth.failures}. */
  readonly failures: number;
  /** Sum of {@link TargetHealth.retries}. */
  readonly retries: number;
  /** Sum of {@link TargetHealth.bytes}. */
  readonly bytes: number;
}

/** What `writer.health()` returns: a frozen snapshot, safe to keep and compare. */
export interface PersistenceHealth {
  /** Per target, keyed by target id. */
  readonly targets: Readonly<Record<TargetId, TargetHealth>>;
  /** Sums over all targets. */
  readonly totals: HealthTotals;
  /** Whether `close()` has begun. */
  readonly closed: boolean;
  /** Exceptions thrown by listeners and `onResult`, caught and counted so they never break the writer. */
  readonly listenerErrors: number;
}

/** Builds the frozen {@link PersistenceHealth} from per-target entries. */
export function buildHealth(
  entries: Iterable<readonly [TargetId, TargetHealth]>,
  closed: boolean,
  listenerErrors: number,
): PersistenceHealth {
  // A null prototype: target ids are arbitrary strings, "__proto__" included.
  const targets = Object.create(null) as Record<TargetId, TargetHealth>;
  let count = 0;
  let unsavedTargets = 0;
  let failingTargets = 0;
  let requests = 0;
  let writes = 0;
  let coalesced = 0;
  let successes = 0;
  let failures = 0;
  let retries = 0;
  let bytes = 0;
  for (const [target, health] of entries) {
    targets[target] = health;
    count++;
    if (health.unsaved) unsavedTargets++;
    if (health.failing) failingTargets++;
    requests += health.requests;
    writes += health.writes;
    coalesced += health.coalesced;
    successes += health.successes;
    failures += health.failures;
    retries += health.retries;
    bytes += health.bytes;
  }
  return Object.freeze({
    targets: Object.freeze(targets),
    totals: Object.freeze({
      targets: count,
      unsavedTargets,
      failingTargets,
      requests,
      writes,
      coalesced,
      successes,
      failures,
      retries,
      bytes,
    }),
    closed,
    listenerErrors,
  });
}
