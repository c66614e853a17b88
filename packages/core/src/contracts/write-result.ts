import type { PersistenceError, WriteStage } from "../errors/persistence-error.js";
import type { TargetId } from "./target.js";

/** Where the time of one write went, in ms. */
export interface WriteTimings {
  /** Time inside the owner's `snapshot()`. */
  readonly snapshotMs: number;
  /** Time inside the codec's generator (summed over all steps). */
  readonly encodeMs: number;
  /** Wall time of the sink's `write()`, including the encoding it pulled. */
  readonly writeMs: number;
  /** Wall time from the start of the attempt to its outcome. */
  readonly totalMs: number;
}

/** Fields every write outcome has. */
export interface WriteResultBase {
  /** Target written. */
  readonly target: TargetId;
  /** Highest generation the write covers. */
  readonly generation: number;
  /** Reasons folded into the write (16 most recent distinct ones). */
  readonly reasons: readonly string[];
  /** Requests this result settles that no earlier result settled (coalesced count). */
  readonly requests: number;
  /** 1 for a first attempt, 2 for its first retry, … */
  readonly attempt: number;
  /** True when requests newer than `generation` are waiting for their own write. */
  readonly newerPending: boolean;
  /** Where the time went. */
  readonly timings: WriteTimings;
}

/** A write that reached the sink. */
export interface WriteSucceeded extends WriteResultBase {
  readonly ok: true;
  /** Bytes written. */
  readonly bytes: number;
  /** True when the sink made the data durable (fsync), false for volatile or atomic-only sinks. */
  readonly durable: boolean;
}

/** A write that failed. */
export interface WriteFailed extends WriteResultBase {
  readonly ok: false;
  /** Stage at which it failed. */
  readonly stage: WriteStage;
  /** The typed error; its `cause` holds the original one. */
  readonly error: PersistenceError;
  /** True when the writer will try again by itself (transient error). */
  readonly willRetry: boolean;
  /** Delay before that retry, when `willRetry`. */
  readonly retryInMs?: number | undefined;
}

/** Outcome of one write attempt. */
export type WriteResult = WriteSucceeded | WriteFailed;
