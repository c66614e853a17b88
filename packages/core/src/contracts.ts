import type { PersistenceError, WriteStage } from "./persistence-error.js";

/** Name of a persisted target, relative to the sink's root: `"known.met"`, `"state/runtime.json"`. */
export type TargetId = string;

/** How soon a request wants its write: after the debounce window, or as soon as possible. */
export type Urgency = "debounced" | "immediate";

/** What `request()` records. */
export interface PersistenceRequest {
  /** Target the request is for. */
  readonly target: TargetId;
  /** Free-form reason, for telemetry (`"file-hashed"`). */
  readonly reason: string;
  /** Debounced (default) or immediate. */
  readonly urgency: Urgency;
  /** Per-target generation: 1, 2, 3, … strictly increasing. */
  readonly generation: number;
  /** Clock time of the request, in ms. */
  readonly requestedAt: number;
}

/** What the writer hands to the codec: an immutable value and the requests it covers. */
export interface PersistenceSnapshot<T> {
  /** Target the snapshot is for. */
  readonly target: TargetId;
  /** Highest request generation this snapshot covers. */
  readonly generation: number;
  /** Reasons folded into it: the 16 most recent distinct ones, oldest first. */
  readonly reasons: readonly string[];
  /** Clock time at which `snapshot()` ran. */
  readonly capturedAt: number;
  /** The immutable value built on the owner thread. */
  readonly value: T;
}

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

/**
 * Turns values into bytes and back. `encode` is a generator whose every step does bounded work, so
 * an executor can slice it; each yielded chunk is handed over and never touched again by the codec.
 */
export interface Codec<T> {
  /** Short name for telemetry and errors (`"json"`, `"known.met"`). */
  readonly name: string;
  /**
   * Encodes `value` as a sequence of chunks: a synchronous iterable, typically a generator. The
   * writer fails anything else (a promise, an async iterable) with `ERR_ENCODE` at stage `encode`.
   */
  encode(value: T): Iterable<Uint8Array>;
  /** Decodes bytes; throws {@link PersistenceError} `ERR_CORRUPT` with `details.offset` on bad input. */
  decode(bytes: Uint8Array): T;
}

/** What a sink can promise. Contract suites read these to decide what to test. */
export interface SinkCapabilities {
  /** Readers see the whole old or the whole new content, never a mix. */
  readonly atomicReplace: boolean;
  /** A resolved `write()` survives power loss. */
  readonly durable: boolean;
  /** The previous version is kept and readable with `{ from: "backup" }`. */
  readonly backup: boolean;
  /** Several processes can share the sink safely. */
  readonly crossProcessLock: boolean;
  /**
   * A write whose `generation` is older than the stored one is refused with `ERR_STALE` and leaves
   * the stored content unchanged, so a writer that lost ownership can never overwrite a newer
   * snapshot. A write with the same generation replaces the content like any later call.
   */
  readonly fencing: boolean;
}

/** Options of {@link Sink.write}. */
export interface SinkWriteOptions {
  /** Aborts the write: the target stays untouched and the promise rejects with `ERR_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /** Generation of the snapshot; a shared sink may refuse an older one with `ERR_STALE`. */
  readonly generation?: number | undefined;
}

/** What a successful {@link Sink.write} reports. */
export interface SinkWriteResult {
  /** Bytes written. */
  readonly bytes: number;
  /** Whether the data is durable now. */
  readonly durable: boolean;
}

/** Options of {@link Sink.read}. */
export interface SinkReadOptions {
  /** Read the current version (default) or the kept backup. */
  readonly from?: "primary" | "backup" | undefined;
  /**
   * Aborted when the reader gives up (`loadTarget`'s `signal` or `timeoutMs`). A sink may stop
   * early and reject with `ERR_ABORTED`; one that ignores it is simply not waited for.
   */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link Sink.quarantine}. */
export interface SinkQuarantineOptions {
  /**
   * The bytes that were read and failed to decode. When given, the sink moves the target only if
   * its current primary still holds exactly these bytes, checked inside the target's serial order
   * (and lock, if any), so a newer version written since the read is never moved aside. Otherwise
   * the quarantine rejects with `ERR_STALE` (`details.reason: "changed"`) and nothing is moved.
   */
  readonly expected?: Uint8Array | undefined;
}

/**
 * Where bytes go. Implementations: `@snapwrite/sink-fs`, `@snapwrite/sink-memory`,
 * `@snapwrite/sink-postgres`; build a new one with `defineSink` from `@snapwrite/core/sink-kit`.
 */
export interface Sink {
  /** What this sink promises. */
  readonly capabilities: SinkCapabilities;
  /**
   * Replaces the target's content with the concatenated chunks, atomically. Writes to one target are
   * serialized and the last call wins. Rejects with a {@link PersistenceError} carrying `stage`.
   */
  write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SinkWriteOptions,
  ): Promise<SinkWriteResult>;
  /** Reads the target; rejects with `ERR_NOT_FOUND` when it does not exist. */
  read(target: TargetId, options?: SinkReadOptions): Promise<Uint8Array>;
  /**
   * Moves a bad file aside and resolves with where it went. With `options.expected`, moves it only
   * while it still holds exactly those bytes; rejects with `ERR_STALE` when it changed meanwhile.
   */
  quarantine?(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
  /** Releases resources (locks, handles). */
  close?(): Promise<void>;
}

/** Time source and timers of the writer; inject a fake one in tests. */
export interface Clock {
  /** Current time in ms. */
  now(): number;
  /** Schedules `fn` after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle returned by `setTimeout`. */
  clearTimeout(handle: unknown): void;
}
