import type { Clock, FsPort } from "@snapwrite/core";

/**
 * What the parts of a file sink share: the file system, time, randomness and the identity of this
 * process. Internal; built once by `createFsSink`.
 */
export interface FsSinkRuntime {
  /** File system every operation goes through. */
  readonly fs: FsPort;
  /** Time source and timers (lock waits, retries, quarantine names). */
  readonly clock: Clock;
  /** Uniform random numbers in [0, 1): temp names, lock tokens, jitter. */
  readonly random: () => number;
  /** This process's id, written into temp and lock file names. */
  readonly pid: number;
  /** This host's name, written into lock files. */
  readonly hostname: string;
  /** Whether a process of this host is still running. */
  readonly isProcessAlive: (pid: number) => boolean;
}

/**
 * The default clock: `Date.now` and the global timers. They stay ref'd: a pause inside a write
 * (lock wait, rename retry) is part of work someone awaits, and must keep the process alive.
 */
export const DEFAULT_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, Math.max(0, ms));
  });
}

/** A short random tag of base-36 characters, for file names and lock tokens. */
export function randomTag(random: () => number, length = 10): string {
  let tag = "";
  while (tag.length < length) {
    tag += Math.floor(random() * 36).toString(36);
  }
  return tag;
}

/** The OS error code of a thrown value (`"ENOENT"`), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
