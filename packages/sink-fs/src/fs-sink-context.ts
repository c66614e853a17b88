import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import type { FsSinkSettings } from "./options/parse-options.js";

/** What the steps of one file sink share. Internal; built once by `createFsSink`. */
export interface FsSinkContext {
  /** File system, time, randomness and the identity of this process. */
  readonly runtime: FsSinkRuntime;
  /** Absolute root directory. */
  readonly root: string;
  /** The checked options. */
  readonly settings: FsSinkSettings;
  /** Sweeps `dir` once, before the first operation there (unless `sweep: false`); never rejects. */
  sweepOnce(dir: string): Promise<void>;
}
