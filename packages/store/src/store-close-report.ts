import type { PersistenceError } from "@snapwrite/core";

/** What `close` resolves with. Never rejects. */
export interface StoreCloseReport {
  /** True when everything was journaled and synced and the journal closed cleanly. */
  readonly ok: boolean;
  readonly outcome: "clean" | "failed" | "timed-out";
  readonly durationMs: number;
  /**
   * The committed seq when close returned. After a timed-out close a group still being written
   * keeps its own outcome and may commit after it (see `inFlight`): a reopen can find more.
   */
  readonly committedSeq: number;
  readonly durableSeq: number;
  /**
   * Records of a group still being written when a timed-out close returned (0 otherwise): they
   * may still be committed, up to `committedSeq + inFlight`; their changes settle on their own.
   */
  readonly inFlight: number;
  /** `mutate`d batches that were never journaled. */
  readonly unsaved: number;
  /** Queued commands that close settled with `ERR_CLOSED` (the deadline passed first). */
  readonly abandoned: number;
  /**
   * Whether the journal's file, the replica and the lock were released when close returned. With a
   * deadline shorter than that release takes (`timeoutMs: 0` even on an idle store, and always
   * after a timed-out close) it goes on in the background: a reopen in this process right away may
   * get `ERR_LOCKED` for a moment. Reopen with a lock that waits (`createExclusiveFileLock({
   * waitMs })`), or close with a deadline above 0. A follower store, which holds no lock: whether
   * no refresh was left running.
   */
  readonly released: boolean;
  readonly error?: PersistenceError | undefined;
}
