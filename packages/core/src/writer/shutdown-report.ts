import type { TargetId } from "../contracts/target.js";
import { PersistenceError } from "../errors/persistence-error.js";

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

/**
 * Builds the frozen {@link ShutdownReport} in one pass, taking over `targets` and its lines (fresh
 * ones, owned by nobody else): they are frozen in place, not copied, since after the close deadline
 * every allocation per target counts.
 */
export function buildShutdownReport(
  durationMs: number,
  targets: TargetShutdownReport[],
): ShutdownReport {
  let ok = true;
  for (const line of targets) {
    Object.freeze(line);
    if (line.outcome === "failed" || line.outcome === "timed-out") ok = false;
  }
  return Object.freeze({ ok, durationMs, targets: Object.freeze(targets) });
}

/**
 * One target's report line: for `failed` its last write error, for `timed-out` an `ERR_TIMEOUT`
 * whose `cause` is that error (when there was one).
 */
export function targetShutdownLine(
  target: TargetId,
  outcome: ShutdownOutcome,
  generation: number,
  lastError: PersistenceError | undefined,
): TargetShutdownReport {
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
  return { target, outcome, generation, error };
}

/**
 * What disposal throws for a report with failed or timed-out targets: the first such target's
 * code, its error as `cause`, and the whole report in `details.report`.
 */
export function closeReportError(report: ShutdownReport): PersistenceError {
  const bad = report.targets.filter(
    (line) => line.outcome === "failed" || line.outcome === "timed-out",
  );
  const first = bad[0];
  const list = bad
    .slice(0, 5)
    .map(
      (line) =>
        `${JSON.stringify(line.target)} ${line.outcome}${line.error === undefined ? "" : ` (${line.error.code})`}`,
    )
    .join(", ");
  const more = bad.length > 5 ? ` and ${bad.length - 5} more` : "";
  return new PersistenceError(
    first?.error?.code ?? "ERR_IO",
    `close() did not save every target: ${list}${more}`,
    { stage: "close", details: { report }, cause: first?.error },
  );
}
