// Captured when the module loads, so that test frameworks faking timers later (vitest fakes
// setImmediate by default) do not freeze the writer: these are yields, not timers.
const realSetImmediate = globalThis.setImmediate;

/**
 * Calls `fn` on the next turn of the event loop (`setImmediate`), after pending I/O callbacks and
 * due timers had their turn. Not the writer's injected clock: this is a yield, not a delay (a timer
 * would be clamped to >= 1 ms and, with a fake clock in tests, would never fire). Internal.
 */
export function onNextTurn(fn: () => void): void {
  realSetImmediate(fn);
}

/** Resolves on the next turn of the event loop (see {@link onNextTurn}). Internal. */
export function yieldWithSetImmediate(): Promise<void> {
  return new Promise<void>((resolve) => {
    realSetImmediate(resolve);
  });
}
