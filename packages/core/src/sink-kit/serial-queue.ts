import { type AbortErrorFactory, defaultAbortError, raceAbort } from "./race-abort.js";

/** Options of one {@link SerialQueue.run} call. */
export interface SerialRunOptions {
  /**
   * Gives up waiting for the earlier operations on the key: once it aborts before `work` started,
   * `run` rejects (see `abortError`) and `work` is never called. It is not passed to `work`; a
   * started `work` that should stop must watch the signal itself.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * The rejection of a `run` aborted while queued. Default: `PersistenceError` `ERR_ABORTED` with
   * the signal's reason as `cause`.
   */
  readonly abortError?: AbortErrorFactory | undefined;
}

/**
 * Serializes asynchronous operations per key: what a sink needs so that "writes to one target are
 * serialized and the last call wins". Operations on one key run one at a time in call order;
 * operations on different keys run independently.
 */
export interface SerialQueue<K = string> {
  /**
   * Runs `work` after every earlier operation on `key` settled, fulfilled or rejected, and settles
   * like it. A rejection does not break the chain: the next operation still runs. An operation
   * aborted while queued rejects without running and lets the ones queued after it run in order,
   * still after every earlier one.
   */
  run<V>(key: K, work: () => V | PromiseLike<V>, options?: SerialRunOptions): Promise<V>;
  /**
   * Resolves once every operation queued on `key` so far, or on every key when `key` is omitted,
   * has settled (never rejects). Operations queued later are not waited for.
   */
  idle(key?: K): Promise<void>;
  /** How many keys have an operation queued or running. A key is forgotten once it is idle. */
  readonly size: number;
}

/** Creates an empty {@link SerialQueue}. */
export function createSerialQueue<K = string>(): SerialQueue<K> {
  // The last link per key: it resolves once the newest operation on the key settled, and never rejects.
  const tails = new Map<K, Promise<void>>();

  function run<V>(key: K, work: () => V | PromiseLike<V>, options?: SerialRunOptions): Promise<V> {
    const earlier = tails.get(key);
    const previous = earlier ?? Promise.resolve();
    let release!: () => void;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => finished);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return (async () => {
      try {
        if (earlier === undefined) {
          // An idle key: the wait is one microtask, which nothing but the caller's own code can
          // abort, so the signal is checked after it instead of raced with a listener (for many
          // writes to distinct targets, each passing its signal, that listener is most of the cost).
          await previous;
          const signal = options?.signal;
          if (signal?.aborted) throw (options?.abortError ?? defaultAbortError)(signal);
        } else {
          await raceAbort(previous, options?.signal, options?.abortError);
        }
        return await work();
      } finally {
        // An operation aborted while queued releases at once, but its link still waits for
        // `previous`, so later operations keep their place behind the earlier ones.
        release();
      }
    })();
  }

  function idle(key?: K): Promise<void> {
    if (key !== undefined) return tails.get(key) ?? Promise.resolve();
    return Promise.all([...tails.values()]).then(() => undefined);
  }

  return {
    run,
    idle,
    get size() {
      return tails.size;
    },
  };
}
