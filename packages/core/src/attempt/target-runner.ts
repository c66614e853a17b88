import type { TargetId } from "../contracts/target.js";
import type { WriteTimings } from "../contracts/write-result.js";
import { toPersistenceError } from "../errors/os-error.js";
import {
  isPersistenceError,
  PersistenceError,
  type WriteStage,
} from "../errors/persistence-error.js";
import type { WriteAttemptOutcome } from "./write-attempt.js";

/** What the writer hands a {@link TargetRunner} for one write attempt. */
export interface TargetRunInput {
  /** The target being written. */
  readonly target: TargetId;
  /**
   * The generation this attempt covers: every request of the target up to it. The runner captures
   * the state to write as soon as `run()` is called (that is the attempt's snapshot moment).
   */
  readonly generation: number;
  /** 1 for a first attempt, counting up through consecutive retries. */
  readonly attempt: number;
  /**
   * Aborted when `close()`'s deadline passes while the attempt runs. The runner should stop soon
   * after and settle with a failure (`ERR_ABORTED`); the writer does not wait for it either way.
   */
  readonly signal: AbortSignal;
}

/**
 * The outcome of one attempt, as a runner reports it. The writer turns it into the
 * `WriteSucceeded`/`WriteFailed` result of the attempt: a failure's `error.code` decides whether it
 * is retried, exactly as for a sink's error. `timings` may be left out; the writer then reports the
 * attempt's wall time as `writeMs`.
 */
export type TargetRunOutcome =
  | {
      readonly ok: true;
      /** Bytes stored. */
      readonly bytes: number;
      /** True when the bytes are as durable as a power loss requires. */
      readonly durable: boolean;
      readonly timings?: WriteTimings | undefined;
    }
  | {
      readonly ok: false;
      /** Why: its `code` classifies the failure (permanent or retried). */
      readonly error: PersistenceError;
      /** Where it failed. Default: `error.stage`, else `"write"`. */
      readonly stage?: WriteStage | undefined;
      readonly timings?: WriteTimings | undefined;
    };

/** Options the writer passes to {@link TargetRunner.close}. */
export interface TargetRunnerCloseOptions {
  /**
   * What is left of the writer's `close()` deadline, in ms (`0` once it passed; `Infinity` when the
   * writer waits indefinitely). Release resources within it.
   */
  readonly timeoutMs: number;
}

/**
 * The target-runner port: how an executor that does not run on the owner thread plugs into the
 * writer. `writer.register(target, { runner })` registers a target whose writes the runner performs
 * from start to end (capturing the state, encoding it, storing it wherever it stores bytes); the
 * writer keeps everything else — generations, tickets, coalescing, debounce and max delay, retry
 * with backoff, the concurrency bound, the `close()` deadline and report, health and events — so
 * every scheduler rule holds for a runner target as for a `{ snapshot, codec }` one. The writer's
 * `sink` is not used for runner targets; a writer whose targets all have runners needs none.
 *
 * `@snapwrite/executor-worker` implements it with a worker thread that keeps a replica of the state.
 */
export interface TargetRunner {
  /**
   * Runs one write attempt of `input.target` covering `input.generation`. At most one runs per
   * target at a time (the writer serializes them). Should never reject: report failures as
   * `{ ok: false, error }`. A rejection or throw is still contained: it becomes a failed attempt
   * with the mapped `PersistenceError` (stage `write`).
   */
  run(input: TargetRunInput): Promise<TargetRunOutcome>;
  /**
   * Called by `register()` before the target is added, so a runner that serves a single target can
   * refuse a second one by throwing (a `TypeError`; `register()` rethrows it and registers nothing).
   */
  attach?(target: TargetId): void;
  /**
   * Called once by the writer's `close()` after every target settled (for a runner registered with
   * several targets, once): stop threads, close connections. Should not reject; a rejection is
   * ignored.
   */
  close?(options: TargetRunnerCloseOptions): Promise<void>;
}

/** True when `value` has the shape of a {@link TargetRunner}. */
export function isTargetRunner(value: unknown): value is TargetRunner {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { run?: unknown }).run === "function" &&
    ((value as { attach?: unknown }).attach === undefined ||
      typeof (value as { attach?: unknown }).attach === "function") &&
    ((value as { close?: unknown }).close === undefined ||
      typeof (value as { close?: unknown }).close === "function")
  );
}

/** A runner's outcome with every field the scheduler needs: a write attempt's. Internal. */
export type CompleteRunOutcome = WriteAttemptOutcome;

function wallTimings(start: number): WriteTimings {
  const totalMs = performance.now() - start;
  return { snapshotMs: 0, encodeMs: 0, writeMs: totalMs, totalMs };
}

function completeOutcome(target: TargetId, outcome: unknown, start: number): CompleteRunOutcome {
  if (typeof outcome !== "object" || outcome === null) {
    const error = new PersistenceError(
      "ERR_IO",
      `runner of ${JSON.stringify(target)} resolved without an outcome`,
      { stage: "write", target },
    );
    return { ok: false, stage: "write", error, timings: wallTimings(start) };
  }
  const given = outcome as Partial<{
    ok: unknown;
    bytes: unknown;
    durable: unknown;
    error: unknown;
    stage: WriteStage;
    timings: WriteTimings;
  }>;
  const timings = given.timings ?? wallTimings(start);
  if (given.ok === true) {
    const bytes = Number(given.bytes);
    return {
      ok: true,
      bytes: Number.isFinite(bytes) ? bytes : 0,
      durable: given.durable === true,
      timings,
    };
  }
  const error = isPersistenceError(given.error)
    ? given.error
    : toPersistenceError(given.error ?? new Error("runner reported a failure without an error"), {
        stage: "write",
        target,
      });
  return { ok: false, stage: given.stage ?? error.stage ?? "write", error, timings };
}

/**
 * Calls `runner.run` and completes what it reports: missing timings and stages are filled in, and
 * a throw or rejection becomes a failed outcome. Never rejects. Internal.
 */
export async function runTarget(
  runner: TargetRunner,
  input: TargetRunInput,
): Promise<CompleteRunOutcome> {
  const start = performance.now();
  let outcome: unknown;
  try {
    outcome = await runner.run(input);
  } catch (error) {
    const mapped = toPersistenceError(error, { stage: "write", target: input.target });
    return {
      ok: false,
      stage: mapped.stage ?? "write",
      error: mapped,
      timings: wallTimings(start),
    };
  }
  return completeOutcome(input.target, outcome, start);
}
