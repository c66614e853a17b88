import { PersistenceError } from "../errors/persistence-error.js";

/**
 * Builds the error {@link raceAbort} (and {@link SerialQueue.run}) rejects with once `signal`
 * aborted. Sinks pass their own so the error names the target and the stage, e.g.
 * `(signal) => new PersistenceError("ERR_ABORTED", "…", { stage: "write", target, cause: signal.reason })`.
 */
export type AbortErrorFactory = (signal: AbortSignal) => unknown;

/**
 * Settles like `promise`, or rejects with `makeError(signal)` as soon as `signal` aborts,
 * whichever comes first. Without a signal it returns `promise` itself; with an already aborted
 * one it rejects at once. The abort listener is removed when `promise` settles first, so a
 * long-lived signal does not collect listeners. `promise` itself is not cancelled: the caller
 * still owns whatever it does after the race is lost.
 *
 * The default error is `PersistenceError` `ERR_ABORTED` with the signal's reason as `cause`.
 *
 * @param promise What to wait for.
 * @param signal Stops the wait early; `undefined` waits for `promise` alone.
 * @param makeError The rejection when `signal` wins.
 */
export function raceAbort<V>(
  promise: PromiseLike<V>,
  signal: AbortSignal | undefined,
  makeError: AbortErrorFactory = defaultAbortError,
): Promise<V> {
  const settled = Promise.resolve(promise);
  if (signal === undefined) return settled;
  if (signal.aborted) return Promise.reject(makeError(signal));
  return new Promise<V>((resolve, reject) => {
    const onAbort = (): void => reject(makeError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    settled.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** The rejection of {@link raceAbort} without `makeError`: `ERR_ABORTED`, the reason as `cause`. Internal. */
export function defaultAbortError(signal: AbortSignal): PersistenceError {
  return new PersistenceError("ERR_ABORTED", "operation was aborted", { cause: signal.reason });
}
