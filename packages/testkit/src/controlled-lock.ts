import { PersistenceError } from "@snapwrite/core";

/**
 * The held lock a {@link ControlledLock} hands out; structurally a `HeldLock` of
 * `@snapwrite/journal` (which this package does not depend on).
 */
export interface ControlledHeldLock {
  release(): Promise<void>;
  readonly lost: AbortSignal;
  assertHeld(): Promise<void>;
}

/** A lock whose holder is told it lost the lock when the test says so (before or during a write). */
export interface ControlledLock {
  /** Structurally a `JournalLock`: every `acquire` resolves at once with the same holder. */
  readonly lock: { acquire(path: string, signal?: AbortSignal): Promise<ControlledHeldLock> };
  /** Breaks the lock now: `lost` aborts and every later `assertHeld` rejects. */
  loseNow(): void;
  /** The next `assertHeld` finds the lock lost. */
  loseAtNextCheck(): void;
  /** The next `assertHeld` (before a write) passes; the one after it finds the lock lost. */
  loseDuringNextWrite(): void;
}

function lostError(): PersistenceError {
  return new PersistenceError("ERR_LOCKED", "lost the lock", {
    stage: "lock",
    details: { reason: "lost" },
  });
}

/** A {@link ControlledLock}; its loss reason is an `ERR_LOCKED` error with `details.reason: "lost"`. */
export function createControlledLock(): ControlledLock {
  const lost = new AbortController();
  let checks = 0;
  let loseAtCheck = Number.POSITIVE_INFINITY;
  const held: ControlledHeldLock = {
    release: async () => undefined,
    lost: lost.signal,
    async assertHeld() {
      checks += 1;
      if (checks >= loseAtCheck && !lost.signal.aborted) lost.abort(lostError());
      if (lost.signal.aborted) throw lost.signal.reason;
    },
  };
  return {
    lock: { acquire: async () => held },
    loseNow: () => lost.abort(lostError()),
    loseAtNextCheck: () => {
      loseAtCheck = checks + 1;
    },
    loseDuringNextWrite: () => {
      loseAtCheck = checks + 2;
    },
  };
}
