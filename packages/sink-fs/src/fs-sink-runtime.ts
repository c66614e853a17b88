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
