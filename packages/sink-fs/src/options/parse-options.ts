import { assertClock, assertFsPort } from "@snapwrite/core/sink-kit";
import type { FsSinkOptions } from "../fs-sink-types.js";
import type { TargetLockSettings } from "../lock/lock-settings.js";
import type { RenameRetrySettings } from "../write/rename-with-retry.js";
import type { WriteBatchLimits } from "../write/write-chunks.js";
import { batchOptions, DEFAULT_STALE_MS, lockOptions, retryOptions } from "./nested-options.js";
import { booleanOption, knownKeys, numberOption } from "./option-values.js";

/** The options of `createFsSink`, checked, with defaults applied (except the injected ports). */
export interface FsSinkSettings {
  /** `durability: "durable"`: fsync files and directories. */
  readonly durable: boolean;
  /** Keep the previous version as `<name>.bak`. */
  readonly keepBackup: boolean;
  /** Follow symlinks that lead outside the root. */
  readonly followOutside: boolean;
  /** Sweep each directory before the first operation there. */
  readonly sweepEnabled: boolean;
  /** Permission bits of a new target. */
  readonly mode: number;
  /** Quarantined versions kept per target. */
  readonly maxQuarantined: number;
  /** The cross-process lock, or `undefined` without one. */
  readonly lock: TargetLockSettings | undefined;
  /** When a lock or claim file counts as abandoned (also without `lock`, for the sweep). */
  readonly staleMs: number;
  /** Retry of transient rename failures. */
  readonly retry: RenameRetrySettings;
  /** Batching of chunks into `writev` calls. */
  readonly batch: WriteBatchLimits;
}

/** Checks `options` (`TypeError`/`RangeError`) and applies the defaults. */
export function parseFsSinkOptions(options: FsSinkOptions): FsSinkSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createFsSink: options must be an object with a dir");
  }
  if (typeof options.dir !== "string" || options.dir.length === 0 || options.dir.includes("\0")) {
    throw new TypeError("createFsSink: dir must be a non-empty path");
  }
  knownKeys("", options, OPTION_KEYS);
  const durability = options.durability ?? "durable";
  if (durability !== "durable" && durability !== "atomic") {
    throw new TypeError(
      `createFsSink: durability must be "durable" or "atomic", got ${String(durability)}`,
    );
  }
  const durable = durability === "durable";
  const keepBackup = booleanOption("backup", options.backup);
  const followOutside = booleanOption(
    "followSymlinksOutsideRoot",
    options.followSymlinksOutsideRoot,
  );
  const sweepEnabled = options.sweep === undefined ? true : booleanOption("sweep", options.sweep);
  const mode = numberOption("mode", options.mode, 0o644);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`createFsSink: mode must be an integer in 0..0o7777, got ${mode}`);
  }
  const maxQuarantined = numberOption("maxQuarantined", options.maxQuarantined, 5);
  if (!Number.isInteger(maxQuarantined) || maxQuarantined < 1) {
    throw new RangeError(
      `createFsSink: maxQuarantined must be an integer >= 1, got ${maxQuarantined}`,
    );
  }
  const lockSettings = lockOptions(options.lock);
  const retry = retryOptions(options.renameRetry);
  const batch = batchOptions(options.batch);
  for (const name of ["random", "isProcessAlive"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`createFsSink: ${name} must be a function`);
    }
  }
  if (options.fs !== undefined) assertFsPort(options.fs, "createFsSink");
  if (options.clock !== undefined) assertClock(options.clock, "createFsSink");
  return {
    durable,
    keepBackup,
    followOutside,
    sweepEnabled,
    mode,
    maxQuarantined,
    lock: lockSettings,
    staleMs: lockSettings?.staleMs ?? DEFAULT_STALE_MS,
    retry,
    batch,
  };
}

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof FsSinkOptions>([
  "dir",
  "fs",
  "durability",
  "backup",
  "followSymlinksOutsideRoot",
  "lock",
  "mode",
  "renameRetry",
  "maxQuarantined",
  "sweep",
  "batch",
  "clock",
  "random",
  "isProcessAlive",
]);
