import { creatorState } from "../creator-state.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { processIdentity } from "../process-identity.js";
import { heldTokens } from "./held-tokens.js";
import type { ObservedLock } from "./observe-lock.js";
import type { LockOwner } from "./owner-record.js";

/**
 * A lock (or claim) file without a readable owner record is abandoned once its mtime is this old
 * (or `staleMs`, if shorter). Our own lock files appear with their record in place, so only a
 * foreign writer, an older version or a power loss can leave one; a live writer of such a file has
 * long finished writing its record after 2 s.
 */
export const UNOWNED_LOCK_GRACE_MS = 2_000;

/**
 * Why a lock is abandoned, or `undefined` while it is valid. An owner whose process is provably
 * gone (same boot and pid namespace, and its pid dead or now another process) is abandoned at once;
 * so is one of this very thread that holds no such token any more. Another thread of this process
 * is alive as long as the process. Anything else is abandoned only when its heartbeat is older than
 * `staleMs` — the only test possible for another host, another pid namespace, or a record of an
 * older version that does not say which namespace it came from.
 */
export function staleReason(
  runtime: FsSinkRuntime,
  observed: ObservedLock,
  staleMs: number,
): string | undefined {
  const owner = observed.owner;
  if (owner !== undefined && owner.hostname === runtime.hostname) {
    const reason = ownerGoneReason(runtime, owner);
    if (reason !== undefined) return reason;
  }
  if (
    owner === undefined &&
    runtime.clock.now() - observed.mtimeMs > Math.min(UNOWNED_LOCK_GRACE_MS, staleMs)
  ) {
    return "unowned";
  }
  const heartbeat = owner?.refreshedAt ?? observed.mtimeMs;
  if (runtime.clock.now() - heartbeat > staleMs) return "expired";
  return undefined;
}

function ownerGoneReason(runtime: FsSinkRuntime, owner: LockOwner): string | undefined {
  if (owner.creator === undefined) {
    // An older version's record names no pid namespace: only where there are none (not Linux)
    // does the pid prove anything.
    if (processIdentity().pidNs !== "0") return undefined;
    if (owner.pid === runtime.pid) return heldTokens().has(owner.token) ? undefined : "owner-gone";
    return runtime.isProcessAlive(owner.pid) ? undefined : "owner-dead";
  }
  switch (creatorState(runtime, owner.creator)) {
    case "this-thread":
      return heldTokens().has(owner.token) ? undefined : "owner-gone";
    case "previous-process":
      return "owner-gone";
    case "dead-process":
      return "owner-dead";
    default:
      return undefined;
  }
}
