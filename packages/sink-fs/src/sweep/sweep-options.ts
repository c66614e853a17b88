import { assertKnownOptions } from "@snapwrite/core/sink-kit";

/** Options of {@link FsSink.sweep}. */
export interface FsSweepOptions {
  /**
   * `worker_threads.threadId`s of threads of this process that are known to have exited (a host
   * saw their `exit` event; Node never reuses a thread id within a process). Temp files those
   * threads created are removed, and nothing else is: with it the sweep is a targeted clean-up
   * (no other orphan, no lock file is judged), so it keeps what `sweep: false` promises for a
   * directory shared with other hosts. Without it, the temp files of other threads of this process
   * are never touched: a thread cannot tell whether another one is alive.
   */
  readonly deadThreads?: readonly number[] | undefined;
}

/** {@link FsSweepOptions}, checked. Internal. */
export interface SweepScope {
  /** Threads of this process whose temp files are orphans. */
  readonly deadThreads: ReadonlySet<number>;
  /** True when the sweep removes those threads' temp files only. */
  readonly targeted: boolean;
}

/** The scope of a sweep without options: no other thread of this process is judged. Internal. */
export const DEFAULT_SWEEP_SCOPE: SweepScope = Object.freeze({
  deadThreads: new Set<number>(),
  targeted: false,
});

const SWEEP_OPTION_KEYS: ReadonlySet<string> = new Set<keyof FsSweepOptions>(["deadThreads"]);

/** Checks the options of `sweep()`: `TypeError` for a bad value or an unknown key. Internal. */
export function parseSweepOptions(options: FsSweepOptions | undefined): SweepScope {
  if (options === undefined) return DEFAULT_SWEEP_SCOPE;
  if (typeof options !== "object" || options === null) {
    throw new TypeError("sweep: options must be an object");
  }
  assertKnownOptions("sweep", options, SWEEP_OPTION_KEYS);
  const { deadThreads } = options;
  if (deadThreads === undefined) return DEFAULT_SWEEP_SCOPE;
  if (!Array.isArray(deadThreads)) {
    throw new TypeError("sweep: deadThreads must be an array of thread ids");
  }
  for (const id of deadThreads as readonly unknown[]) {
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      throw new TypeError(
        `sweep: deadThreads must hold thread ids (integers >= 0), got ${typeof id === "number" ? id : typeof id}`,
      );
    }
  }
  return { deadThreads: new Set(deadThreads), targeted: true };
}
