import { chunkReleaseOf, withChunkRelease } from "../contracts/chunk-release.js";
import type { Codec } from "../contracts/codec.js";
import type { Sink } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import type { WriteTimings } from "../contracts/write-result.js";
import { toPersistenceError } from "../errors/os-error.js";
import { PersistenceError, type WriteStage } from "../errors/persistence-error.js";
import { EncodeTracker, tracked } from "./encode-tracker.js";
import type { Executor } from "./executors.js";
import { silence, thenOf } from "./thenable.js";

/** Everything one write attempt ({@link runWriteAttempt}) needs. */
export interface WriteAttemptInput<T> {
  /** The target to write. */
  readonly target: TargetId;
  /** Passed to the sink (`options.generation`, for fencing) and the executor. */
  readonly generation: number;
  /** Captures the value to write; called once, synchronously, first. */
  readonly snapshot: () => T;
  /** Turns the value into chunks. */
  readonly codec: Codec<T>;
  /** Drives the codec's generator (`createInlineExecutor()`, `createSlicedExecutor()`, …). */
  readonly executor: Executor;
  /** Stores the chunks. */
  readonly sink: Sink;
  /** Passed to the executor and the sink; aborting it aborts the attempt. */
  readonly signal: AbortSignal;
}

/**
 * What one write attempt produced, before the writer turns it into a `WriteResult`: a complete
 * `TargetRunOutcome`, so a target runner may return it as it is.
 */
export type WriteAttemptOutcome =
  | {
      readonly ok: true;
      readonly bytes: number;
      readonly durable: boolean;
      readonly timings: WriteTimings;
    }
  | {
      readonly ok: false;
      readonly stage: WriteStage;
      readonly error: PersistenceError;
      readonly timings: WriteTimings;
    };

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const then = thenOf(value);
  if (then !== undefined) {
    silence(value, then);
    return "a promise (encode() must be a synchronous generator)";
  }
  if (typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function") {
    return "an async iterable (encode() must be a synchronous generator)";
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name.length > 0 ? `an object (${name})` : "an object";
}

/**
 * Runs one write attempt exactly as the writer does for a `{ snapshot, codec }` target:
 * `snapshot()`, then `sink.write` pulling the codec's chunks through the executor. Never throws or
 * rejects: every failure becomes an outcome with its stage (a throwing `snapshot()` or a thenable
 * from it is `ERR_SNAPSHOT`, anything the codec throws, also while the sink pulls, is `ERR_ENCODE`,
 * a sink's `PersistenceError` keeps its code and stage, other sink errors are mapped). A target
 * runner that encodes somewhere else (a worker thread, another process) uses it there, so its
 * results classify failures the same way.
 */
export async function runWriteAttempt<T>(
  input: WriteAttemptInput<T>,
): Promise<WriteAttemptOutcome> {
  const { target } = input;
  const start = performance.now();
  let value: T;
  try {
    value = input.snapshot();
  } catch (error) {
    const snapshotMs = performance.now() - start;
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      stage: "snapshot",
      error: new PersistenceError(
        "ERR_SNAPSHOT",
        `snapshot() of ${JSON.stringify(target)} threw: ${message}`,
        { stage: "snapshot", target, cause: error },
      ),
      timings: { snapshotMs, encodeMs: 0, writeMs: 0, totalMs: snapshotMs },
    };
  }
  const snapshotMs = performance.now() - start;
  const thenable = thenOf(value);
  if (thenable !== undefined) {
    silence(value, thenable);
    return {
      ok: false,
      stage: "snapshot",
      error: new PersistenceError(
        "ERR_SNAPSHOT",
        `snapshot() of ${JSON.stringify(target)} returned a promise (thenable): snapshot() must return the value synchronously, not an async function`,
        { stage: "snapshot", target },
      ),
      timings: { snapshotMs, encodeMs: 0, writeMs: 0, totalMs: snapshotMs },
    };
  }
  const tracker = new EncodeTracker(target, input.codec.name);
  const writeStart = performance.now();
  const timings = (): WriteTimings => {
    const end = performance.now();
    return {
      snapshotMs,
      encodeMs: tracker.encodeMs,
      writeMs: end - writeStart,
      totalMs: end - start,
    };
  };
  try {
    let chunks: Iterable<Uint8Array>;
    const t0 = performance.now();
    try {
      chunks = input.codec.encode(value);
    } catch (error) {
      tracker.encodeMs += performance.now() - t0;
      throw tracker.fail(error);
    }
    tracker.encodeMs += performance.now() - t0;
    if (
      chunks === null ||
      (typeof chunks !== "object" && typeof chunks !== "function") ||
      typeof (chunks as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
    ) {
      // Checked before the sink starts: a sink must not even open a temp file for it.
      throw tracker.fail(
        new TypeError(
          `encode() must return an iterable of Uint8Array (e.g. a generator), got ${describeValue(chunks)}`,
        ),
      );
    }
    // The codec's release hook (CHUNK_RELEASE) passes through the wrapper to the sink.
    const wrapped = withChunkRelease(tracked(chunks, tracker), chunkReleaseOf(chunks));
    const source = input.executor.stream(wrapped, {
      target,
      generation: input.generation,
      signal: input.signal,
    });
    const written = await input.sink.write(target, source, {
      signal: input.signal,
      generation: input.generation,
    });
    if (tracker.failure !== undefined) {
      // The sink swallowed the codec's exception: whatever it stored is incomplete.
      return { ok: false, stage: "encode", error: tracker.failure, timings: timings() };
    }
    if (!tracker.completed) {
      return {
        ok: false,
        stage: "write",
        error: new PersistenceError(
          "ERR_IO",
          `sink resolved the write of ${JSON.stringify(target)} without consuming every chunk`,
          { stage: "write", target },
        ),
        timings: timings(),
      };
    }
    const bytes = Number(written?.bytes);
    return {
      ok: true,
      bytes: Number.isFinite(bytes) ? bytes : 0,
      durable: written?.durable === true,
      timings: timings(),
    };
  } catch (error) {
    if (tracker.failure !== undefined) {
      // The codec failed while the sink pulled. Whether the sink rethrew the marker, wrapped it
      // (cause chain) or threw something of its own while cleaning up, the codec is the root cause.
      return { ok: false, stage: "encode", error: tracker.failure, timings: timings() };
    }
    const mapped = toPersistenceError(error, { stage: "write", target });
    return { ok: false, stage: mapped.stage ?? "write", error: mapped, timings: timings() };
  }
}
