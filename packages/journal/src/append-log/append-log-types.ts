import type { Clock, FsPort, PersistenceError } from "@snapwrite/core";
import type { JournalLock } from "../lock-adapter.js";

/** Rotation and retention of an append log. */
export interface AppendLogRotation {
  /** Rotate once the active file reaches this many bytes (a positive integer). Default: never. */
  readonly maxBytes?: number | undefined;
  /**
   * Rotate once the active file's header is this many ms old (a positive number; compared with the
   * clock at each append, no timer waits for it). Default: never by age.
   */
  readonly maxAgeMs?: number | undefined;
  /**
   * Rotated files kept (a positive integer; oldest deleted first). Default: all. A deleted file's
   * copies of cut bytes (`<file>.torn-*`, `<file>.failed-*`) are deleted with it.
   */
  readonly keep?: number | undefined;
  /**
   * Bound on the rotated files' total bytes (a positive integer; oldest deleted first, with their
   * copies of cut bytes, which the bound does not count). Default: none.
   */
  readonly maxTotalBytes?: number | undefined;
}

/**
 * When an append is acknowledged: `"append"` after its `fdatasync`; `{ intervalMs }` after the
 * write, synced by a timer every `intervalMs` (whole ms in 1..2^31 − 1, else a `RangeError`);
 * `"os"` after the write, synced at rotation and close.
 */
export type AppendLogDurability = "append" | { readonly intervalMs: number } | "os";

/** Options of {@link openAppendLog}. */
export interface OpenAppendLogOptions {
  /** Active file, e.g. `logs/chat.jsonl`; rotated files are `chat.<firstSeq, 16 hex>.jsonl` beside it. */
  readonly path: string;
  /** `"jsonl"` (values are JSON; one line each) or `"framed"` (values are `Uint8Array`; CRC32C-framed). Default `"jsonl"`. */
  readonly format?: "jsonl" | "framed" | undefined;
  /**
   * `"append"` (default): take the lock file `.<name>.lock` beside the log (sink-fs `lockFile`) around every append batch, for many short-lived
   * writers; `"session"`: hold it from open to close; `false`: no lock (one writer only).
   */
  readonly lock?: "append" | "session" | false | undefined;
  readonly rotate?: AppendLogRotation | undefined;
  /** Default `"append"`. */
  readonly durability?: AppendLogDurability | undefined;
  readonly fs?: FsPort | undefined;
  readonly clock?: Clock | undefined;
  /** The lock implementation. Default: an exclusive lock file on `fs`. */
  readonly locker?: JournalLock | undefined;
  /** Bound on one record. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  readonly random?: (() => number) | undefined;
}

/** The acknowledgement of one append. */
export interface AppendLogResult {
  /** Seq of the record: continuous across files and across every process appending. */
  readonly seq: number;
  /** File it went to (the active file's name at that time). */
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  readonly durable: boolean;
}

/** A torn or failed tail the log cut off before appending. */
export interface AppendLogRepair {
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  /** Where the cut bytes were copied. */
  readonly quarantinedTo: string;
}

/** What {@link AppendLog.close} did; never rejects. */
export interface AppendLogCloseReport {
  readonly ok: boolean;
  readonly appended: number;
  readonly error?: PersistenceError | undefined;
}

/** An open append log. */
export interface AppendLog {
  /**
   * Appends one value; appends queued meanwhile in this process share one lock, one write and
   * one sync. Rejects with a `PersistenceError` (stage `lock`, `open`, `write` or `sync`); a value
   * the format cannot encode rejects with `ERR_ENCODE` and writes nothing.
   */
  append(value: unknown): Promise<AppendLogResult>;
  /** Syncs what this process appended. */
  sync(): Promise<void>;
  /**
   * Rotates now, under the lock, after the appends queued before it: the active file (when it
   * holds records) is synced and renamed to its rotated name, retention applies, and the next
   * append starts a new active file with the next seq. Resolves with the rotated file's name, or
   * `undefined` when the active file held no record.
   */
  rotate(): Promise<string | undefined>;
  /** Torn tails cut so far. */
  readonly repairs: readonly AppendLogRepair[];
  /** Waits for queued appends, syncs, closes the file and releases a session lock. */
  close(): Promise<AppendLogCloseReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of `readAppendLog`. */
export interface ReadAppendLogOptions {
  /** The log's active file path, as given to `openAppendLog`. */
  readonly path: string;
  /** Start at this seq (earlier records are skipped). Default 1. */
  readonly fromSeq?: number | undefined;
  readonly fs?: FsPort | undefined;
  readonly maxRecordBytes?: number | undefined;
  /**
   * The format the log was opened with. Each file's format is detected from its first bytes; this
   * one (default: the format of the log's other files) reads a file whose segment magic is damaged.
   */
  readonly format?: "jsonl" | "framed" | undefined;
}
