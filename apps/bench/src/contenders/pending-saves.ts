/** Collects the promises of fire-and-forget saves so a run can wait for all of them. */
export interface PendingSaves {
  /** Adds one save's promise. */
  add(promise: Promise<unknown>): void;
  /** Waits for every added promise; rejects with the first failure. */
  settle(): Promise<void>;
}

/** Creates an empty collection; failures are observed at once so none goes unhandled. */
export function createPendingSaves(): PendingSaves {
  let pending: Promise<unknown>[] = [];
  let firstError: unknown;
  return {
    add(promise) {
      pending.push(
        promise.catch((error: unknown) => {
          firstError ??= error;
        }),
      );
    },
    async settle() {
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
      if (firstError !== undefined) {
        const error = firstError;
        firstError = undefined;
        throw error;
      }
    },
  };
}
