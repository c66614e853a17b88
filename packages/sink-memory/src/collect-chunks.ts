import {
  isPersistenceError,
  PersistenceError,
  type TargetId,
  type WriteStage,
} from "@snapwrite/core";
import { raceAbort, toPersistenceError } from "@snapwrite/core/sink-kit";

/** The error of a write aborted at `stage`, with the signal's reason as cause. Internal. */
export function abortError(
  target: TargetId,
  stage: WriteStage,
  signal: AbortSignal,
): PersistenceError {
  return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
    stage,
    target,
    cause: signal.reason,
  });
}

function acceptChunk(
  chunk: unknown,
  index: number,
  target: TargetId,
  copyChunks: boolean,
): Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    const kind = chunk === null ? "null" : typeof chunk;
    throw new PersistenceError(
      "ERR_ENCODE",
      `chunk ${index} written to ${JSON.stringify(target)} is not a Uint8Array (got ${kind})`,
      { stage: "encode", target, details: { reason: "not-bytes", index } },
    );
  }
  return copyChunks ? chunk.slice() : chunk;
}

/** Pulls every chunk, honouring the signal between chunks and while an async source waits. Internal. */
export async function collect(
  target: TargetId,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  copyChunks: boolean,
): Promise<{ chunks: Uint8Array[]; bytes: number }> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let index = 0;
  const keep = (value: unknown): void => {
    const chunk = acceptChunk(value, index, target, copyChunks);
    index += 1;
    if (chunk.byteLength === 0) return;
    chunks.push(chunk);
    bytes += chunk.byteLength;
  };
  const isAsync = typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function";
  if (!isAsync && typeof (source as Iterable<Uint8Array>)[Symbol.iterator] !== "function") {
    throw new PersistenceError(
      "ERR_ENCODE",
      `chunks written to ${JSON.stringify(target)} are not iterable`,
      { stage: "encode", target, details: { reason: "not-iterable" } },
    );
  }
  if (isAsync) {
    await pullAsync(source as AsyncIterable<Uint8Array>, target, signal, keep);
  } else {
    pullSync(source as Iterable<Uint8Array>, target, signal, keep);
  }
  return { chunks, bytes };
}

async function pullAsync(
  source: AsyncIterable<Uint8Array>,
  target: TargetId,
  signal: AbortSignal | undefined,
  keep: (value: unknown) => void,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      if (signal?.aborted) throw abortError(target, "write", signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = await raceAbort(Promise.resolve(iterator.next()), signal, (aborted) =>
          abortError(target, "write", aborted),
        );
      } catch (error) {
        if (isPersistenceError(error, "ERR_ABORTED") && signal?.aborted) throw error;
        done = true;
        throw toPersistenceError(error, { stage: "write", target });
      }
      if (step.done === true) {
        done = true;
        break;
      }
      keep(step.value);
    }
  } finally {
    // An abandoned source must be told to clean up; its own failure to do so is not ours.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function pullSync(
  source: Iterable<Uint8Array>,
  target: TargetId,
  signal: AbortSignal | undefined,
  keep: (value: unknown) => void,
): void {
  const iterator = source[Symbol.iterator]();
  let done = false;
  try {
    while (true) {
      if (signal?.aborted) throw abortError(target, "write", signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = iterator.next();
      } catch (error) {
        done = true;
        throw toPersistenceError(error, { stage: "write", target });
      }
      if (step.done === true) {
        done = true;
        break;
      }
      keep(step.value);
    }
  } finally {
    if (!done) {
      try {
        iterator.return?.();
      } catch {
        // Same as above: cleanup failures of an abandoned source are not the write's error.
      }
    }
  }
}
