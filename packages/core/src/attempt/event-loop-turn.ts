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

/**
 * Resolves once due timers have had their turn: two `setImmediate`s in a row. One is not enough when
 * the caller was resumed by an I/O callback (a sink whose `writev` completed resumes the encode in
 * the poll phase): its immediate then runs in the check phase of the same loop iteration, before any
 * timer, and two slices run back to back. The second immediate always runs after a timers phase.
 * Internal.
 */
export function yieldPastDueTimers(): Promise<void> {
  return new Promise<void>((resolve) => {
    realSetImmediate(() => realSetImmediate(resolve));
  });
}
