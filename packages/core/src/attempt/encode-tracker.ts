import type { TargetId } from "../contracts/target.js";
import { PersistenceError } from "../errors/persistence-error.js";

/** Records what happened inside the codec while the sink pulled chunks. Internal. */
export class EncodeTracker {
  encodeMs = 0;
  completed = false;
  failure: PersistenceError | undefined = undefined;

  constructor(
    readonly target: TargetId,
    readonly codecName: string,
  ) {}

  fail(error: unknown): PersistenceError {
    if (this.failure !== undefined) return this.failure;
    const message = error instanceof Error ? error.message : String(error);
    this.failure = new PersistenceError(
      "ERR_ENCODE",
      `codec ${JSON.stringify(this.codecName)} failed to encode ${JSON.stringify(this.target)}: ${message}`,
      { stage: "encode", target: this.target, cause: error },
    );
    return this.failure;
  }
}

/**
 * Wraps the codec's iterable: times each step and turns anything the codec throws into one marker
 * error, so the writer can tell a codec failure from a sink failure whatever the sink does with it.
 * Internal.
 */
export function* tracked(
  source: Iterable<Uint8Array>,
  tracker: EncodeTracker,
): Generator<Uint8Array> {
  let iterator: Iterator<Uint8Array>;
  let t0 = performance.now();
  try {
    iterator = source[Symbol.iterator]();
  } catch (error) {
    tracker.encodeMs += performance.now() - t0;
    throw tracker.fail(error);
  }
  let done = false;
  try {
    for (;;) {
      t0 = performance.now();
      let step: IteratorResult<Uint8Array>;
      try {
        step = iterator.next();
      } catch (error) {
        done = true;
        tracker.encodeMs += performance.now() - t0;
        throw tracker.fail(error);
      }
      tracker.encodeMs += performance.now() - t0;
      if (step.done === true) {
        done = true;
        tracker.completed = true;
        return;
      }
      const chunk = step.value;
      if (!(chunk instanceof Uint8Array)) {
        done = true;
        throw tracker.fail(new TypeError("codec yielded a chunk that is not a Uint8Array"));
      }
      yield chunk;
    }
  } finally {
    // The sink stopped pulling early (or failed): let the codec's generator clean up.
    if (!done) {
      try {
        iterator.return?.();
      } catch {
        // A codec that throws while being closed has nothing more to tell us.
      }
    }
  }
}
