import type { Codec } from "../contracts/codec.js";
import type { Sink } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import type { PersistenceError } from "../errors/persistence-error.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";
import { assertLoadSignal, loadTimeoutMs, withLoadDeadline } from "./load-deadline.js";
import { quarantineCopy, readCopy } from "./read-copy.js";

/** Options of {@link loadTarget}. */
export interface LoadOptions {
  /**
   * Fall back to the sink's backup when the primary is missing or corrupt. Only used when
   * `sink.capabilities.backup` is true. Default `true`.
   */
  readonly backup?: boolean | undefined;
  /** Move a corrupt primary aside with `sink.quarantine`, when the sink has it. Default `true`. */
  readonly quarantine?: boolean | undefined;
  /**
   * Stops the load: it resolves at once with `ERR_ABORTED` (the signal's reason as `cause`). The
   * signal is passed on to `sink.read`; nothing is read when it is aborted already.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Deadline of the whole load (primary, quarantine, backup), in ms: `>= 0`, or `Infinity` (the
   * default) for none. When it passes, the load resolves with `ERR_TIMEOUT` and the signal given
   * to `sink.read` aborts; a sink that ignores it is left behind, never waited for.
   */
  readonly timeoutMs?: number | undefined;
}

/** The keys of {@link LoadOptions}; any other (`timeoutMS`) is a `TypeError` naming it. Internal. */
export const LOAD_OPTION_KEYS: readonly string[] = [
  "backup",
  "quarantine",
  "signal",
  "timeoutMs",
] satisfies (keyof LoadOptions)[];

/** A successful load. */
export interface LoadSuccess<T> {
  readonly ok: true;
  /** The decoded value. */
  readonly value: T;
  /** Which copy it came from. */
  readonly source: "primary" | "backup";
  /** Size of the decoded bytes. */
  readonly bytes: number;
  /** When the backup was used: why the primary was not (`ERR_NOT_FOUND` or `ERR_CORRUPT`). */
  readonly primaryError?: PersistenceError | undefined;
  /** Where a corrupt primary was moved. */
  readonly quarantinedTo?: string | undefined;
  /** Why moving a corrupt primary aside failed, if it did. */
  readonly quarantineError?: PersistenceError | undefined;
}

/** A failed load. */
export interface LoadFailure {
  readonly ok: false;
  /** `ERR_NOT_FOUND`, `ERR_CORRUPT`, `ERR_IO`, `ERR_PERMISSION`, `ERR_BUSY`, … */
  readonly error: PersistenceError;
  /** Where a corrupt primary was moved. */
  readonly quarantinedTo?: string | undefined;
  /** Why moving a corrupt primary aside failed, if it did. */
  readonly quarantineError?: PersistenceError | undefined;
  /** Why the backup could not be used either, when it was tried. */
  readonly backupError?: PersistenceError | undefined;
}

/** Outcome of {@link loadTarget}. */
export type LoadResult<T> = LoadSuccess<T> | LoadFailure;

/**
 * Loads and decodes a target. Never throws for expected failures (missing, corrupt, unreadable):
 * it resolves with `{ ok: false, error }`. A corrupt primary is quarantined (when enabled and the
 * sink supports it) and the backup is used when it decodes. Only a `PersistenceError` `ERR_CORRUPT`
 * thrown by the codec counts as proof of corruption: any other exception from `decode` is reported
 * as `ERR_CORRUPT` with `details.reason: "decoder-threw"` (original as `cause`), the backup is still
 * tried, but the primary is never quarantined; a missing primary also falls back to
 * the backup. A `PersistenceError` with another code thrown by `decode` (`ERR_STALE` for an expired
 * cache, …) is the codec's verdict and is returned as it is, without quarantine or backup. A
 * `decode` that returns a promise is refused with `ERR_CORRUPT`, `details.reason:
 * "decoder-returned-promise"` (nothing moved aside; the promise gets a rejection handler). Other
 * read errors (`ERR_IO`, `ERR_PERMISSION`, `ERR_BUSY`, …) do not fall back: the primary may be
 * fine, and loading an older backup would let the next save overwrite newer data.
 * The quarantine is given the bytes that failed to decode (`{ expected }`), so a sink that checks
 * them never moves a newer version written since the read; when it reports `ERR_STALE` the primary
 * is read once more instead of being reported corrupt.
 * With `signal` or `timeoutMs` it resolves `ERR_ABORTED` / `ERR_TIMEOUT` as soon as either fires.
 * Throws `TypeError` only for a missing sink or codec, a bad signal or an unknown option key,
 * `RangeError` for a bad `timeoutMs` (programmer errors).
 */
export async function loadTarget<T>(
  sink: Sink,
  target: TargetId,
  codec: Codec<T>,
  options: LoadOptions = {},
): Promise<LoadResult<T>> {
  if (typeof sink !== "object" || sink === null || typeof sink.read !== "function") {
    throw new TypeError("loadTarget needs a Sink with a read() method");
  }
  if (typeof codec !== "object" || codec === null || typeof codec.decode !== "function") {
    throw new TypeError("loadTarget needs a Codec with a decode() method");
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("loadTarget: options must be an object");
  }
  assertKnownOptions("loadTarget", options, LOAD_OPTION_KEYS);
  const timeoutMs = loadTimeoutMs(options.timeoutMs);
  assertLoadSignal(options.signal);
  return withLoadDeadline(target, options.signal, timeoutMs, (signal) =>
    loadCopies(sink, target, codec, options, signal),
  );
}

async function loadCopies<T>(
  sink: Sink,
  target: TargetId,
  codec: Codec<T>,
  options: LoadOptions,
  signal: AbortSignal | undefined,
): Promise<LoadResult<T>> {
  const useBackup = options.backup !== false && sink.capabilities?.backup === true;
  const useQuarantine = options.quarantine !== false && typeof sink.quarantine === "function";

  let primary = await readCopy(sink, target, codec, "primary", signal);
  // The caller got ERR_TIMEOUT / ERR_ABORTED already: move nothing aside, read nothing more.
  if (signal?.aborted === true) return { ok: false, error: signal.reason as PersistenceError };
  if (primary.ok)
    return { ok: true, value: primary.value, source: "primary", bytes: primary.bytes };

  let quarantinedTo: string | undefined;
  let quarantineError: PersistenceError | undefined;
  // Only the codec's own ERR_CORRUPT proves the bytes bad; anything else it throws (an async
  // validator, an engine limit, a bug) must never cost the user a good file.
  if (primary.corrupt && primary.proven && useQuarantine) {
    let moved = await quarantineCopy(sink, target, primary);
    if (moved.changed) {
      // A write replaced the file after it was read: the new version is not the one that failed
      // to decode, so it is read again (once) instead of being moved aside or reported corrupt.
      primary = await readCopy(sink, target, codec, "primary", signal);
      if (primary.ok) {
        return { ok: true, value: primary.value, source: "primary", bytes: primary.bytes };
      }
      moved = primary.corrupt && primary.proven ? await quarantineCopy(sink, target, primary) : {};
    }
    quarantinedTo = moved.to;
    quarantineError = moved.error;
  }
  const primaryError = primary.error;
  const fallBack = primary.corrupt || primaryError.code === "ERR_NOT_FOUND";

  if (!fallBack || !useBackup) {
    return { ok: false, error: primaryError, quarantinedTo, quarantineError };
  }
  const backup = await readCopy(sink, target, codec, "backup", signal);
  if (backup.ok) {
    return {
      ok: true,
      value: backup.value,
      source: "backup",
      bytes: backup.bytes,
      primaryError,
      quarantinedTo,
      quarantineError,
    };
  }
  // Neither copy is usable. Report the most telling error: a corrupt copy means data existed and
  // was lost, which must not be mistaken for a first start (ERR_NOT_FOUND); an intact backup this
  // codec cannot read (ERR_UNSUPPORTED, a newer version) means data still exists, which must not be
  // mistaken for a loss: the caller must not start fresh and save over it.
  const error =
    backup.error.code === "ERR_UNSUPPORTED" ||
    (primaryError.code === "ERR_NOT_FOUND" && backup.error.code !== "ERR_NOT_FOUND")
      ? backup.error
      : primaryError;
  return { ok: false, error, quarantinedTo, quarantineError, backupError: backup.error };
}
