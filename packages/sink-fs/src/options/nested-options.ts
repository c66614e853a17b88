import type {
  FsSinkBatchOptions,
  FsSinkLockOptions,
  FsSinkOptions,
  FsSinkRenameRetryOptions,
} from "../fs-sink-types.js";
import type { TargetLockSettings } from "../lock/lock-settings.js";
import type { RenameRetrySettings } from "../write/rename-with-retry.js";
import type { WriteBatchLimits } from "../write/write-chunks.js";
import {
  knownKeys,
  milliseconds,
  numberOption,
  objectOption,
  positiveNumber,
} from "./option-values.js";

/** Default of `lock.staleMs`, also the staleness the sweep judges lock files by without a lock. */
export const DEFAULT_STALE_MS = 30_000;

const LOCK_KEYS: ReadonlySet<string> = new Set<keyof FsSinkLockOptions>([
  "staleMs",
  "waitMs",
  "pollMs",
]);
const RENAME_RETRY_KEYS: ReadonlySet<string> = new Set<keyof FsSinkRenameRetryOptions>([
  "attempts",
  "initialMs",
  "maxMs",
]);
const BATCH_KEYS: ReadonlySet<string> = new Set<keyof FsSinkBatchOptions>([
  "maxBytes",
  "maxChunks",
]);

export function lockOptions(lock: FsSinkOptions["lock"]): TargetLockSettings | undefined {
  if (lock === undefined || lock === false) return undefined;
  if (lock !== true && (typeof lock !== "object" || lock === null)) {
    throw new TypeError("createFsSink: lock must be a boolean or an options object");
  }
  const given = lock === true ? {} : lock;
  knownKeys("lock.", given, LOCK_KEYS);
  return {
    staleMs: milliseconds("lock.staleMs", given.staleMs, DEFAULT_STALE_MS, 1),
    waitMs: milliseconds("lock.waitMs", given.waitMs, 5_000),
    pollMs: milliseconds("lock.pollMs", given.pollMs, 10, 1),
  };
}

export function retryOptions(retry: FsSinkRenameRetryOptions | undefined): RenameRetrySettings {
  const given = objectOption("renameRetry", retry);
  knownKeys("renameRetry.", given, RENAME_RETRY_KEYS);
  const attempts = numberOption("renameRetry.attempts", given.attempts, 8);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(
      `createFsSink: renameRetry.attempts must be an integer >= 1, got ${attempts}`,
    );
  }
  const initialMs = milliseconds("renameRetry.initialMs", given.initialMs, 10);
  const maxMs = milliseconds("renameRetry.maxMs", given.maxMs, 500);
  return { attempts, initialMs, maxMs: Math.max(maxMs, initialMs) };
}

export function batchOptions(batch: FsSinkBatchOptions | undefined): WriteBatchLimits {
  const given = objectOption("batch", batch);
  knownKeys("batch.", given, BATCH_KEYS);
  const maxChunks = numberOption("batch.maxChunks", given.maxChunks, 64);
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 1024) {
    throw new RangeError(
      `createFsSink: batch.maxChunks must be an integer in 1..1024, got ${maxChunks}`,
    );
  }
  return { maxBytes: positiveNumber("batch.maxBytes", given.maxBytes, 1 << 20, 1), maxChunks };
}
