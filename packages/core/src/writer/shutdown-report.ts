import type { TargetId } from "../contracts/target.js";
import type { PersistenceError } from "../errors/persistence-error.js";

/**
 * How `close()` left a target: `written` (unsaved state was written during close), `clean` (nothing
 * to write), `skipped` (`shutdown: "skip"` with unsaved state), `failed` (the final attempt failed
 * with a permanent error), `timed-out` (the deadline passed first).
 */
export type ShutdownOutcome = "written" | "clean" | "skipped" | "failed" | "timed-out";

/** One target's line of the {@link ShutdownReport}. */
export interface TargetShutdownReport {
  /** Target id. */
  readonly target: TargetId;
  /** What happened to it. */
  readonly outcome: ShutdownOutcome;
  /** Highest requested generation. */
  readonly generation: number;
  /** For `failed`: the last write error; for `timed-out`: `ERR_TIMEOUT` (cause: last write error). */
  readonly error?: PersistenceError | undefined;
}

/** What `close()` resolves with. */
export interface ShutdownReport {
  /** True when no target failed or timed out. */
  readonly ok: boolean;
  /** Clock time from `close()` to the report, in ms. */
  readonly durationMs: number;
  /** One line per registered target, in registration order. */
  readonly targets: readonly TargetShutdownReport[];
}

/** Builds the frozen {@link ShutdownReport}. */
export function buildShutdownReport(
  durationMs: number,
  targets: readonly TargetShutdownReport[],
): ShutdownReport {
  const lines = Object.freeze(targets.map((line) => Object.freeze({ ...line })));
  const ok = lines.every((line) => line.outcome !== "failed" && line.outcome !== "timed-out");
  return Object.freeze({ ok, durationMs, targets: lines });
}
