import { PersistenceError } from "@snapwrite/core";
import type { CommitFailed, CommitResult, StoreCommand } from "../durable-store-types.js";

/** Bytes a journal record adds to its payload (header and checksum). */
export const RECORD_OVERHEAD = 20;

export type Settle = (result: CommitResult) => void;

export interface CommitEntry<S, Op> {
  readonly kind: "commit";
  readonly reason: string;
  readonly command: StoreCommand<S, Op>;
  readonly at: number;
  readonly settle: Settle;
}

export interface ExternalEntry<S, Op> {
  readonly kind: "external";
  readonly reason: string;
  readonly persist: () => Promise<void>;
  readonly ops: readonly Op[] | StoreCommand<S, Op>;
  readonly at: number;
  readonly settle: Settle;
}

/** What waits in the store's lane: commands, external commits, lane tasks and flush requests. */
export type Entry<S, Op> =
  | CommitEntry<S, Op>
  | ExternalEntry<S, Op>
  | {
      readonly kind: "task";
      readonly run: () => Promise<void>;
      /** Settles the task's caller when it never runs (a close that timed out drained it). */
      readonly abandon?: ((error: Error) => void) | undefined;
    }
  | { readonly kind: "flush" };

/**
 * A write-behind batch shown in memory but not journaled yet. `payload` is its command's ops as
 * run on the state it follows; when that state changes (a commit journaled before it), the command
 * runs again on the new one and `payload` is replaced (see `StoreCore.publishVisible`).
 */
export interface OutboxItem<S, Op> {
  readonly reason: string;
  readonly command: StoreCommand<S, Op>;
  payload: Uint8Array;
  readonly at: number;
  readonly settle: Settle;
}

/** One change of a group: a command's record, a write-behind record, or a command with no ops. */
export interface Member {
  readonly settle: Settle;
  readonly at: number;
  readonly commandMs: number;
  /** Index of its record in the group, or -1 for a command that produced no ops. */
  readonly record: number;
  /** For a command without ops: the number of the group's records before it. */
  readonly before: number;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function commandError(error: unknown): PersistenceError {
  return new PersistenceError("ERR_COMMAND", `command failed: ${describe(error)}`, {
    cause: error,
    details: error instanceof PersistenceError ? { code: error.code, ...error.details } : undefined,
  });
}

export function failed(
  error: PersistenceError,
  committed: false | "unknown" = false,
): CommitFailed {
  return Object.freeze({ ok: false, error, committed });
}

export function closedError(): PersistenceError {
  return new PersistenceError("ERR_CLOSED", "the store is closed", { stage: "close" });
}

/** A promise for a commit's result and the function that settles it. */
export function pendingResult(): { settle: Settle; settled: Promise<CommitResult> } {
  let settle!: Settle;
  const settled = new Promise<CommitResult>((resolve) => {
    settle = resolve;
  });
  return { settle, settled };
}
