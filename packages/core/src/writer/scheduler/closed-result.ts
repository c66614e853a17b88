import type { TargetId } from "../../contracts/target.js";
import type { WriteFailed, WriteTimings } from "../../contracts/write-result.js";
import { PersistenceError, type PersistenceErrorCode } from "../../errors/persistence-error.js";
import { NO_REASONS } from "./reason-list.js";

const ZERO_TIMINGS: WriteTimings = Object.freeze({
  snapshotMs: 0,
  encodeMs: 0,
  writeMs: 0,
  totalMs: 0,
});

/** What `close()` settles the tickets with that no write settled: which target, and why. */
export interface ClosedTickets {
  readonly target: TargetId;
  readonly shutdown: "flush" | "skip";
  /** `ERR_TIMEOUT` when the deadline passed first, `ERR_CLOSED` otherwise. */
  readonly code: PersistenceErrorCode;
  /** Highest generation the tickets cover. */
  readonly generation: number;
  /** How many requests they are. */
  readonly requests: number;
  /** The target's last write error, as the new error's `cause`. */
  readonly cause: PersistenceError | undefined;
  /** An error to use as it is instead of building one (shared by many tickets at the deadline). */
  readonly error?: PersistenceError | undefined;
}

/** The frozen failure `close()` settles open tickets with (stage `close`, attempt 0). Internal. */
export function closedResult(tickets: ClosedTickets): WriteFailed {
  const { target, code, cause } = tickets;
  const message =
    code === "ERR_TIMEOUT"
      ? `writer closed: deadline passed before ${JSON.stringify(target)} was saved`
      : `writer closed: ${JSON.stringify(target)} was not saved (shutdown: "${tickets.shutdown}")`;
  return Object.freeze({
    ok: false,
    target,
    generation: tickets.generation,
    reasons: NO_REASONS,
    requests: tickets.requests,
    attempt: 0,
    stage: "close",
    error:
      tickets.error ??
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
