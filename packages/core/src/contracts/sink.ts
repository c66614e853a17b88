import type { TargetId } from "./target.js";

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

/** Options of {@link Sink.close}. */
export interface SinkCloseOptions {
  /**
   * How long to wait for the operations still running: once it passed, `close` rejects with
   * `ERR_TIMEOUT` (`details: { timeoutMs }`); the sink stays closed and those operations end (or
   * fail) on their own. Default: no limit.
   */
  readonly timeoutMs?: number | undefined;
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
  /**
   * The identity of the version that failed, as the sink itself named it in the `ERR_CORRUPT` of a
   * `read` (`details.version`, a string), for a sink that proves its own bytes bad (a checksum) and
   * so hands back no bytes. When given, a sink that names its versions moves the target only while
   * its primary is still that version, checked where the move happens; otherwise it rejects with
   * `ERR_STALE` (`details.reason: "changed"`) and nothing is moved. Sinks that name no versions
   * ignore it.
   */
  readonly expectedVersion?: string | undefined;
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
   * When `chunks` carries a release hook (`CHUNK_RELEASE`, read with `chunkReleaseOf` from
   * `@snapwrite/core/sink-kit`), the sink may give each chunk back once it is completely done with it.
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
  /**
   * Releases resources (locks, handles) once the operations already started have ended; with
   * `options.timeoutMs`, waits at most that long for them (see {@link SinkCloseOptions}).
   */
  close?(options?: SinkCloseOptions): Promise<void>;
}
