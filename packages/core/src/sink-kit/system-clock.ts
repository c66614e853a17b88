import type { Clock } from "../contracts/clock.js";

/**
 * The default {@link Clock}: monotonic milliseconds on the Unix-epoch scale
 * (`performance.timeOrigin + performance.now()`) and the global timers.
 */
export const systemClock: Clock = Object.freeze({
  // Monotonic on purpose: a wall-clock jump backwards would otherwise postpone a debounced save
  // by the size of the jump.
  now: (): number => performance.timeOrigin + performance.now(),
  // Looked up at call time so that test frameworks that replace the globals are honoured.
  setTimeout: (fn: () => void, ms: number): unknown => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void =>
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
});
