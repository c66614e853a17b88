import { isPersistenceError, PersistenceError, type TargetId } from "@snapwrite/core";
import { raceAbort } from "@snapwrite/core/sink-kit";
import { abortedError } from "./write-context.js";

/**
 * Pulls the chunks of a sync or async source, stopping at an abort (also while an async source
 * waits) and reporting a failing source as a `PersistenceError` with its error as `cause`.
 */
export async function* pull(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  target: TargetId,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const asyncSource = source as AsyncIterable<Uint8Array>;
  const iterator =
    typeof asyncSource[Symbol.asyncIterator] === "function"
      ? asyncSource[Symbol.asyncIterator]()
      : toAsync((source as Iterable<Uint8Array>)[Symbol.iterator]());
  let done = false;
  let index = 0;
  try {
    while (true) {
      if (signal?.aborted) throw abortedError(target, "write");
      let step: IteratorResult<Uint8Array>;
      try {
        step = await raceAbort(Promise.resolve(iterator.next()), signal, () =>
          abortedError(target, "write"),
        );
      } catch (error) {
        if (signal?.aborted) throw abortedError(target, "write");
        done = true;
        throw toSourceError(error, target);
      }
      if (step.done === true) {
        done = true;
        return;
      }
      if (!(step.value instanceof Uint8Array)) {
        throw new PersistenceError(
          "ERR_ENCODE",
          `chunk ${index} written to ${JSON.stringify(target)} is not a Uint8Array`,
          { stage: "encode", target, details: { reason: "not-bytes", index } },
        );
      }
      index += 1;
      if (step.value.byteLength > 0) yield step.value;
    }
  } finally {
    // An abandoned source must be told to clean up; its own failure to do so is not ours.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function toAsync(iterator: Iterator<Uint8Array>): AsyncIterator<Uint8Array> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}

function toSourceError(error: unknown, target: TargetId): PersistenceError {
  if (isPersistenceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PersistenceError(
    "ERR_IO",
    `chunk source of ${JSON.stringify(target)} failed: ${message}`,
    { stage: "write", target, cause: error },
  );
}
