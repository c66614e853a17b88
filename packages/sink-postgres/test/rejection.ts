import { isPersistenceError, type PersistenceError } from "@snapwrite/core";

/** Awaits `promise` and returns the `PersistenceError` it rejected with; anything else fails. */
export async function rejection(promise: Promise<unknown>): Promise<PersistenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPersistenceError(error))
    throw new Error(`expected a PersistenceError, got ${String(error)}`);
  return error;
}
