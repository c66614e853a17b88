import {
  type FsFileHandle,
  isPersistenceError,
  PersistenceError,
  raceAbort,
  toPersistenceError,
} from "@snapwrite/core";
import { type ChunkRelease, chunkReleaseOf } from "@snapwrite/core/sink-kit";
import { abortFailure } from "../abort-failure.js";
import { fsFailure } from "../fs-failure.js";

/** Limits of one `writev` call. */
export interface WriteBatchLimits {
  /** A batch is written once it holds at least this many bytes. */
  readonly maxBytes: number;
  /** A batch is written once it holds this many chunks (well below `IOV_MAX`, 1024 on Linux). */
  readonly maxChunks: number;
}

/** What {@link writeChunks} reports. */
export interface WrittenChunks {
  /** Bytes written. */
  readonly bytes: number;
  /** `writev` calls made, partial-write continuations included. */
  readonly writeCalls: number;
}

/** Stops a zero-progress `writev` from spinning forever. */
const MAX_ZERO_WRITES = 3;

/**
 * Streams `source` into `handle` from offset 0: chunks are batched into `writev` calls without ever
 * being concatenated, every call's `bytesWritten` is checked and a short write continues where it
 * stopped. `signal` is checked between chunks.
 *
 * Pipelined: while one batch is being written, the next one is pulled from the source (which is
 * where the executor encodes), so encoding and writing overlap. At most one `writev` is in flight
 * and at most two batches are held: the one being written and the one being filled, i.e. about
 * `2 × (limits.maxBytes + largest chunk)` bytes and `2 × limits.maxChunks` chunks, whatever the
 * payload's size.
 *
 * Errors of the source keep their identity (a `PersistenceError` its code and stage, anything else
 * becomes stage `write` with it as `cause`); errors of the file system become stage `write` with
 * the mapped code. When the source, the signal and a `writev` fail in the same write, the failure
 * observed first is the one thrown; a `writev` still in flight is always settled before this
 * function returns or throws (the caller closes the handle and removes the file next), and if it
 * fails after another failure was observed, it is attached to the thrown error as
 * `details.concurrentFailure` (the error is then a copy with the same code, stage, message and
 * cause). A `writev` failing while an async source is still producing a chunk fails the write at
 * once, without waiting for that chunk.
 *
 * Chunks are released to the source's `CHUNK_RELEASE` hook, when it has one, as soon as nothing
 * here references them: a batch once its `writev` calls wrote all of it, an empty chunk at once,
 * and on failure the batch still being filled (never given to a `writev`). A batch whose `writev`
 * failed is not released (it is collected instead), so a buffer an I/O might still read is never
 * reused.
 */
export async function writeChunks(
  handle: FsFileHandle,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  target: string,
  limits: WriteBatchLimits,
  signal: AbortSignal | undefined,
): Promise<WrittenChunks> {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let position = 0;
  let writeCalls = 0;
  let index = 0;
  const release = chunkReleaseOf(source);

  /** The first failure observed, and one that came after it while a write was being settled. */
  const failures: {
    first?: { readonly error: unknown };
    concurrent?: { readonly error: unknown };
  } = {};
  /** Rejects a pending pull of an async source when the write in flight fails meanwhile. */
  let interruptPull: ((error: unknown) => void) | undefined;
  const noteFailure = (error: unknown): void => {
    if (failures.first === undefined) {
      failures.first = { error };
      interruptPull?.(error);
    } else if (failures.concurrent === undefined && error !== failures.first.error) {
      failures.concurrent = { error };
    }
  };

  const isFirstFailure = (error: unknown): boolean =>
    failures.first !== undefined && failures.first.error === error;

  const writeBatch = async (chunks: Uint8Array[]): Promise<void> => {
    let pending = chunks;
    let zeroWrites = 0;
    while (pending.length > 0) {
      let wanted = 0;
      for (const buffer of pending) wanted += buffer.byteLength;
      let bytesWritten: number;
      try {
        writeCalls += 1;
        ({ bytesWritten } = await handle.writev(pending, position));
      } catch (error) {
        throw fsFailure(error, "write", target);
      }
      if (!Number.isSafeInteger(bytesWritten) || bytesWritten < 0 || bytesWritten > wanted) {
        throw new PersistenceError(
          "ERR_IO",
          `writev of ${JSON.stringify(target)} reported ${bytesWritten} bytes written of ${wanted}`,
          { stage: "write", target, details: { reason: "bad-byte-count", bytesWritten, wanted } },
        );
      }
      if (bytesWritten === 0) {
        zeroWrites += 1;
        if (zeroWrites >= MAX_ZERO_WRITES) {
          throw new PersistenceError(
            "ERR_IO",
            `writev of ${JSON.stringify(target)} made no progress (${wanted} bytes left)`,
            { stage: "write", target, details: { reason: "no-progress", wanted, position } },
          );
        }
        continue;
      }
      zeroWrites = 0;
      position += bytesWritten;
      let skip = bytesWritten;
      let head = 0;
      while (head < pending.length && skip >= (pending[head] as Uint8Array).byteLength) {
        skip -= (pending[head] as Uint8Array).byteLength;
        head += 1;
      }
      pending = pending.slice(head);
      if (skip > 0 && pending.length > 0) {
        pending[0] = (pending[0] as Uint8Array).subarray(skip);
      }
    }
    releaseChunks(release, chunks);
  };

  /** The batch being written; never rejects (its failure goes to `noteFailure`). */
  let writing: Promise<void> | undefined;
  /** Waits for the batch in flight; throws the first failure once there is one. */
  const settleWrite = async (): Promise<void> => {
    const inFlight = writing;
    writing = undefined;
    if (inFlight !== undefined) await inFlight;
    if (failures.first !== undefined) throw failures.first.error;
  };
  /** Waits for the batch in flight, then starts writing the filled batch at the position reached. */
  const flush = async (): Promise<void> => {
    await settleWrite();
    const chunks = batch;
    batch = [];
    batchBytes = 0;
    writing = writeBatch(chunks).catch(noteFailure);
  };

  const accept = async (value: unknown): Promise<void> => {
    if (!(value instanceof Uint8Array)) {
      const kind = value === null ? "null" : typeof value;
      throw new PersistenceError(
        "ERR_ENCODE",
        `chunk ${index} written to ${JSON.stringify(target)} is not a Uint8Array (got ${kind})`,
        { stage: "encode", target, details: { reason: "not-bytes", index } },
      );
    }
    index += 1;
    if (value.byteLength === 0) {
      release?.(value);
      return;
    }
    batch.push(value);
    batchBytes += value.byteLength;
    if (batchBytes >= limits.maxBytes || batch.length >= limits.maxChunks) await flush();
  };

  const isAsync = typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function";
  if (!isAsync && typeof (source as Iterable<Uint8Array>)[Symbol.iterator] !== "function") {
    throw new PersistenceError(
      "ERR_ENCODE",
      `chunks written to ${JSON.stringify(target)} are not iterable`,
      { stage: "encode", target, details: { reason: "not-iterable" } },
    );
  }
  const iterator = isAsync
    ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    : (source as Iterable<Uint8Array>)[Symbol.iterator]();

  /** Next chunk of an async source; a failing write in flight interrupts the wait. */
  const pullAsync = (): Promise<IteratorResult<Uint8Array>> => {
    const next = raceAbort(
      Promise.resolve((iterator as AsyncIterator<Uint8Array>).next()),
      signal,
      (aborted) => abortFailure(target, "write", aborted),
    );
    if (writing === undefined) return next;
    return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
      const interrupt = (error: unknown): void => reject(error);
      interruptPull = interrupt;
      // Only this pull's own interrupt is cleared: a later pull may have installed its own already.
      const done = (): void => {
        if (interruptPull === interrupt) interruptPull = undefined;
      };
      next.then(
        (step) => {
          done();
          resolve(step);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  };

  let exhausted = false;
  try {
    while (true) {
      // A write that failed while the source was producing stops the pulling.
      if (failures.first !== undefined) throw failures.first.error;
      if (signal?.aborted) throw abortFailure(target, "write", signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = isAsync ? await pullAsync() : (iterator as Iterator<Uint8Array>).next();
      } catch (error) {
        if (isFirstFailure(error)) throw error;
        if (isPersistenceError(error, "ERR_ABORTED") && signal?.aborted) throw error;
        exhausted = true;
        throw toPersistenceError(error, { stage: "write", target });
      }
      if (step.done === true) {
        exhausted = true;
        break;
      }
      if (signal?.aborted) throw abortFailure(target, "write", signal);
      await accept(step.value);
    }
    if (batch.length > 0) await flush();
    await settleWrite();
  } catch (error) {
    noteFailure(error);
    // The caller closes the handle and unlinks the file next: no writev may still be running then.
    if (writing !== undefined) await writing;
    releaseChunks(release, batch);
    batch = [];
    throw withConcurrentFailure(failures.first?.error ?? error, failures.concurrent?.error);
  } finally {
    if (!exhausted) {
      // An abandoned source is told to clean up; its own failure to do so is not the write's error.
      try {
        const closing = iterator.return?.();
        if (closing !== undefined) Promise.resolve(closing).catch(() => undefined);
      } catch {
        // Same reason as above.
      }
    }
  }
  return { bytes: position, writeCalls };
}

/** Hands `chunks` back to the source's release hook, if any. */
function releaseChunks(release: ChunkRelease | undefined, chunks: readonly Uint8Array[]): void {
  if (release === undefined) return;
  for (const chunk of chunks) release(chunk);
}

/** `error`, or a copy of it that carries `later` as `details.concurrentFailure`. */
function withConcurrentFailure(error: unknown, later: unknown): unknown {
  if (later === undefined || !isPersistenceError(error)) return error;
  return new PersistenceError(error.code, error.message, {
    stage: error.stage,
    target: error.target,
    details: { ...error.details, concurrentFailure: later },
    ...("cause" in error ? { cause: error.cause } : {}),
  });
}
