/** A monotonic millisecond reading for slicing long replays. */
export function perfNow(): number {
  return globalThis.performance.now();
}

/** Lets the event loop run (timers, I/O) before a replay goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
