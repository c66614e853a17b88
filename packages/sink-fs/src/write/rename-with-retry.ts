import { abortFailure } from "../abort-failure.js";
import { sleep } from "../default-clock.js";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";

/** Retry policy of renames, defaults applied. */
export interface RenameRetrySettings {
  /** Total attempts, the first one included. */
  readonly attempts: number;
  /** Pause before the second attempt; doubles each time. */
  readonly initialMs: number;
  /** Longest pause. */
  readonly maxMs: number;
}

/**
 * Codes a rename over an existing file gets on Windows while an antivirus scanner, an indexer or a
 * backup tool briefly holds the destination open. Elsewhere they are permanent, and the bounded
 * retry only costs a moment before the same error is reported.
 */
const TRANSIENT = new Set(["EPERM", "EACCES", "EBUSY"]);

/**
 * Renames `from` over `to`, retrying the transient codes with capped, jittered exponential backoff.
 * Never falls back to a non-atomic copy. Resolves with the number of attempts; rejects with stage
 * `rename` and `details.attempts`, or with `ERR_ABORTED` when `signal` aborts between attempts.
 */
export async function renameWithRetry(
  runtime: FsSinkRuntime,
  from: string,
  to: string,
  target: string,
  retry: RenameRetrySettings,
  signal: AbortSignal | undefined,
): Promise<number> {
  let pause = retry.initialMs;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw abortFailure(target, "rename", signal);
    try {
      await runtime.fs.rename(from, to);
      return attempt;
    } catch (error) {
      if (!TRANSIENT.has(errorCode(error) ?? "") || attempt >= retry.attempts) {
        throw fsFailure(error, "rename", target, { attempts: attempt });
      }
    }
    const jittered = Math.min(retry.maxMs, pause) * (0.5 + runtime.random() * 0.5);
    await sleep(runtime.clock, jittered, signal);
    pause *= 2;
  }
}
