import {
  type FsFileHandle,
  isPersistenceError,
  PersistenceError,
  raceAbort,
  toPersistenceError,
} from "@snapwrite/core";
import { abortFailure } from "./abort-failure.js";
import { fsFailure } from "./fs-failure.js";

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
 * stopped. `signal` is checked between chunks. Errors of the source keep their identity (a
 * `PersistenceError` its code and stage, anything else becomes stage `write` with it as `cause`);
 * errors of the file system become stage `write` with the mapped code.
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

  const flush = async (): Promise<void> => {
    let pending = batch;
    batch = [];
    batchBytes = 0;
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
      let first = 0;
      while (first < pending.length && skip >= (pending[first] as Uint8Array).byteLength) {
        skip -= (pending[first] as Uint8Array).byteLength;
        first += 1;
      }
      pending = pending.slice(first);
      if (skip > 0 && pending.length > 0) {
        pending[0] = (pending[0] as Uint8Array).subarray(skip);
      }
    }
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
    if (value.byteLength === 0) return;
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
  let exhausted = false;
  try {
    while (true) {
      if (signal?.aborted) throw abortFailure(target, "write", signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = isAsync
          ? await raceAbort(
              Promise.resolve((iterator as AsyncIterator<Uint8Array>).next()),
              signal,
              (aborted) => abortFailure(target, "write", aborted),
            )
          : (iterator as Iterator<Uint8Array>).next();
      } catch (error) {
        if (isPersistenceError(error, "ERR_ABORTED") && signal?.aborted) throw error;
        exhausted = true;
        throw isPersistenceError(error)
          ? error
          : toPersistenceError(error, { stage: "write", target });
      }
      if (step.done === true) {
        exhausted = true;
        break;
      }
      if (signal?.aborted) throw abortFailure(target, "write", signal);
      await accept(step.value);
    }
    if (batch.length > 0) await flush();
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
