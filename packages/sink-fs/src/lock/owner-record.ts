import { recordedCreator } from "../creator-state.js";
import type { ProcessIdentity } from "../process-identity.js";

/** What a lock file says about its owner. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** When the owning process started (ms since the epoch), for humans reading the file. */
  readonly processStartedAt: number;
  readonly acquiredAt: number;
  /** Last heartbeat of the owner; the lock is stale `staleMs` after it. */
  readonly refreshedAt: number;
  /** Unique per acquisition; a replaced lock file has another token. */
  readonly token: string;
  /**
   * Who holds it (thread, boot, pid namespace, process start); absent in records of older
   * versions, which are then judged by their heartbeat alone where pid namespaces exist.
   */
  readonly creator: ProcessIdentity | undefined;
}

/** Lock files are rewritten in place on heartbeats, so their size never changes. */
const LOCK_FILE_BYTES = 400;
/** When this process started, in wall-clock ms, written into its records. */
export const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

/** The lock file content of `owner`: JSON padded to a fixed size, so rewrites never resize it. */
export function encodeOwner(owner: LockOwner): Uint8Array {
  const { creator, ...rest } = owner;
  const json = JSON.stringify({
    ...rest,
    threadId: creator?.threadId,
    boot: creator?.boot,
    pidNs: creator?.pidNs,
    start: creator?.start,
  });
  const text = json.length < LOCK_FILE_BYTES - 1 ? json.padEnd(LOCK_FILE_BYTES - 1, " ") : json;
  return new TextEncoder().encode(`${text}\n`);
}

/** Parses a lock file; `undefined` when it is empty, torn or not ours. */
export function parseLockOwner(bytes: Uint8Array): LockOwner | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (
      typeof value.pid === "number" &&
      typeof value.hostname === "string" &&
      typeof value.refreshedAt === "number" &&
      typeof value.token === "string"
    ) {
      return {
        pid: value.pid,
        hostname: value.hostname,
        processStartedAt: typeof value.processStartedAt === "number" ? value.processStartedAt : 0,
        acquiredAt: typeof value.acquiredAt === "number" ? value.acquiredAt : value.refreshedAt,
        refreshedAt: value.refreshedAt,
        token: value.token,
        creator: recordedCreator(value),
      };
    }
  } catch {
    // Torn or foreign content: the caller falls back to the file's mtime.
  }
  return undefined;
}

/** `pid 123 (thread 2) on host`, for error messages. */
export function describeOwner(owner: LockOwner | undefined): string {
  if (owner === undefined) return "an unknown owner";
  const thread = owner.creator !== undefined && owner.creator.threadId !== 0;
  return `pid ${owner.pid}${thread ? ` (thread ${owner.creator?.threadId})` : ""} on ${owner.hostname}`;
}
