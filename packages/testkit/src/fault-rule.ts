/** Selects paths: exact string, regular expression, or predicate. */
export type PathMatcher = string | RegExp | ((path: string) => boolean);

/** True when `path` satisfies `matcher` (no matcher: everything matches). */
export function matchesPath(matcher: PathMatcher | undefined, path: string | undefined): boolean {
  if (matcher === undefined) return true;
  if (path === undefined) return false;
  if (typeof matcher === "string") return matcher === path;
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(path);
  }
  return matcher(path);
}

/**
 * Tracks which calls a rule fires on: `nth` (1-based, among the calls the rule matches) and
 * `times` consecutive matching calls from there.
 */
export function createRuleCounter(
  nth: number | undefined,
  times: number | undefined,
): () => boolean {
  const first = nth ?? 1;
  const count = times ?? 1;
  if (!Number.isInteger(first) || first < 1) throw new RangeError(`nth must be an integer >= 1`);
  if (!(count >= 1)) throw new RangeError(`times must be >= 1`);
  let seen = 0;
  return () => {
    seen += 1;
    return seen >= first && seen < first + count;
  };
}

/** Builds an `AbortError` the way Node does (`name: "AbortError"`, `code: "ABORT_ERR"`). */
export function createAbortError(reason?: unknown): Error {
  const error = new Error("The operation was aborted", { cause: reason }) as Error & {
    code: string;
  };
  error.name = "AbortError";
  error.code = "ABORT_ERR";
  return error;
}

/** Waits `ms` with the global timers (fake timers apply). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A pending hang: resolves when released, rejects with an AbortError when a signal fires. */
export interface Hang {
  readonly promise: Promise<void>;
  release(): void;
}

/** Creates a {@link Hang} that also ends when one of `signals` aborts. */
export function createHang(signals: readonly (AbortSignal | undefined)[]): Hang {
  let release = () => {};
  const cleanups: (() => void)[] = [];
  const promise = new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      for (const cleanup of cleanups) cleanup();
      if (error === undefined) resolve();
      else reject(error);
    };
    release = () => done();
    for (const signal of signals) {
      if (signal === undefined) continue;
      if (signal.aborted) {
        done(createAbortError(signal.reason));
        return;
      }
      const onAbort = () => done(createAbortError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener("abort", onAbort));
    }
  });
  return { promise, release: () => release() };
}
