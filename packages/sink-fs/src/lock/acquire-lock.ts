import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { abortFailure } from "../abort-failure.js";
import { sleep } from "../default-clock.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { processIdentity } from "../process-identity.js";
import { randomTag } from "../random-tag.js";
import { type BreakOutcome, breakLock } from "./break-lock.js";
import { type CreatedLock, createLockFile } from "./create-lock-file.js";
import { type HeldTargetLock, holdLock } from "./heartbeat.js";
import { heldTokens } from "./held-tokens.js";
import type { TargetLockSettings } from "./lock-settings.js";
import { type ObservedLock, observe } from "./observe-lock.js";
import { staleReason } from "./owner-liveness.js";
import { describeOwner, encodeOwner, type LockOwner, PROCESS_STARTED_AT } from "./owner-record.js";

const MAX_POLL_MS = 250;
const MAX_BREAKS = 32;

/**
 * Takes the lock file `path` with `O_EXCL`, writing this process's identity into it. A held lock is
 * waited for (polling with backoff and jitter) for at most `waitMs`, then `ERR_LOCKED`; an abandoned
 * one is broken. While held, the file is rewritten every `staleMs / 3` so that other hosts can tell
 * a live owner from a dead one.
 */
export async function acquireTargetLock(
  runtime: FsSinkRuntime,
  path: string,
  target: string,
  settings: TargetLockSettings,
  signal: AbortSignal | undefined,
): Promise<HeldTargetLock> {
  const { clock } = runtime;
  const startedAt = clock.now();
  let waits = 0;
  let broken = 0;
  let breaks = 0;
  let pause = settings.pollMs;
  let lastOwner: LockOwner | undefined;
  let created: CreatedLock | undefined;
  let owner: LockOwner | undefined;
  const token = `${runtime.pid}-${randomTag(runtime.random, 16)}`;
  // Registered before the lock file exists, so another sink of this process never mistakes the
  // fresh lock for one left by a previous process with our pid.
  heldTokens().add(token);
  try {
    for (let spins = 0; ; spins += 1) {
      if (signal?.aborted) throw abortFailure(target, "lock", signal);
      const now = clock.now();
      owner = {
        pid: runtime.pid,
        hostname: runtime.hostname,
        processStartedAt: PROCESS_STARTED_AT,
        acquiredAt: now,
        refreshedAt: now,
        token,
        creator: { ...processIdentity(), pid: runtime.pid },
      };
      try {
        created = await createLockFile(runtime, path, encodeOwner(owner));
      } catch (error) {
        throw lockFailure(error, target, path);
      }
      if (created !== undefined) break;
      let observed: ObservedLock | undefined;
      try {
        observed = await observe(runtime, path);
      } catch (error) {
        throw lockFailure(error, target, path);
      }
      if (observed !== undefined) {
        lastOwner = observed.owner;
        // Bounded, so that a lock that keeps coming back abandoned ends in the wait below.
        if (breaks < MAX_BREAKS && staleReason(runtime, observed, settings.staleMs) !== undefined) {
          breaks += 1;
          let outcome: BreakOutcome;
          try {
            outcome = await breakLock(runtime, path, observed, settings.staleMs);
          } catch (error) {
            throw lockFailure(error, target, path);
          }
          if (outcome === "broken") broken += 1;
          // "busy": someone else is breaking or releasing it right now; wait like for a holder.
          if (outcome === "broken" || outcome === "changed") continue;
        }
      } else if (spins < 1000) {
        // Released between our attempt and our look: try again at once.
        continue;
      }
      const waited = clock.now() - startedAt;
      if (waited >= settings.waitMs) {
        throw new PersistenceError(
          "ERR_LOCKED",
          `${JSON.stringify(target)} is locked by ${describeOwner(lastOwner)}; gave up after ${waited} ms`,
          {
            stage: "lock",
            target,
            details: { reason: "held", lockPath: path, waitedMs: waited, waits, owner: lastOwner },
          },
        );
      }
      waits += 1;
      const jittered = pause * (0.5 + runtime.random() * 0.5);
      await sleep(clock, Math.min(jittered, settings.waitMs - waited), signal);
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  } catch (error) {
    heldTokens().delete(token);
    throw error;
  }
  return holdLock(runtime, path, target, settings, owner, created.handle, {
    waitedMs: owner.acquiredAt - startedAt,
    waits,
    broken,
  });
}

/**
 * The error of a lock step for `target`: OS errors mapped at stage `lock`; a `PersistenceError`
 * raised about the lock file itself (a FIFO in its place, …) is told about the target it locks,
 * with the lock file's path in `details.lockPath`.
 */
function lockFailure(error: unknown, target: string, path: string): PersistenceError {
  if (!isPersistenceError(error) || error.target === target) {
    return fsFailure(error, "lock", target, { lockPath: path });
  }
  return new PersistenceError(error.code, `lock of ${JSON.stringify(target)}: ${error.message}`, {
    stage: "lock",
    target,
    details: { ...error.details, lockPath: path },
    cause: error,
  });
}
