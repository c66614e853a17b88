/** Time source and timers of the writer; inject a fake one in tests. */
export interface Clock {
  /** Current time in ms. */
  now(): number;
  /** Schedules `fn` after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle returned by `setTimeout`. */
  clearTimeout(handle: unknown): void;
}
