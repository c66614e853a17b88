function noop(): void {}

/** The `then` method of a thenable, or `undefined` for any other value. Internal. */
export function thenOf(value: unknown): { then: unknown } | undefined {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") {
    return undefined;
  }
  try {
    const then = (value as { then?: unknown }).then;
    return typeof then === "function" ? { then } : undefined;
  } catch {
    // A strict proxy may throw for unknown keys: that is a value that is no thenable, not a bug.
    return undefined;
  }
}

/**
 * Attaches a no-op rejection handler, so a promise nobody awaits cannot reject unhandled.
 * Internal.
 */
export function silence(value: unknown, then: { then: unknown }): void {
  try {
    (then.then as (onFulfilled: unknown, onRejected: () => void) => unknown).call(
      value,
      undefined,
      noop,
    );
  } catch {
    // A then() that throws has told us all we need: the value is not what was asked for.
  }
}
