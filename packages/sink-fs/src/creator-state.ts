import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import { type ProcessIdentity, processIdentity, sameProcess } from "./process-identity.js";

/**
 * Where the creator of a temp, lock or claim file stands, seen from the calling thread:
 * - `this-thread`: this very thread; only its own registries can say whether the file is in use.
 * - `this-process`: another worker thread (or the main thread) of this process: alive as long as
 *   the process is; a thread cannot prove another thread's state.
 * - `previous-process`: an earlier process that had this pid (a restarted container): gone.
 * - `live-process` / `dead-process`: another process of this boot and pid namespace, by its pid.
 * - `other-namespace`: a process in another pid namespace (another container): its pid means
 *   nothing here, so nothing can be proven.
 * - `other-boot`: an earlier boot of this machine, or another machine.
 */
export type CreatorState =
  | "this-thread"
  | "this-process"
  | "previous-process"
  | "live-process"
  | "dead-process"
  | "other-namespace"
  | "other-boot";

/** Classifies `creator` (see {@link CreatorState}). */
export function creatorState(runtime: FsSinkRuntime, creator: ProcessIdentity): CreatorState {
  const self = processIdentity();
  if (creator.boot !== self.boot) return "other-boot";
  if (creator.pidNs !== self.pidNs) return "other-namespace";
  if (creator.pid === runtime.pid) {
    if (!sameProcess(creator, { ...self, pid: runtime.pid })) return "previous-process";
    return creator.threadId === self.threadId ? "this-thread" : "this-process";
  }
  return runtime.isProcessAlive(creator.pid) ? "live-process" : "dead-process";
}

/** Reads the identity fields of a parsed owner record; `undefined` when any is missing. */
export function recordedCreator(value: Record<string, unknown>): ProcessIdentity | undefined {
  const { pid, threadId, boot, pidNs, start } = value;
  if (
    typeof pid === "number" &&
    typeof threadId === "number" &&
    typeof boot === "string" &&
    typeof pidNs === "string" &&
    typeof start === "string"
  ) {
    return { pid, threadId, boot, pidNs, start };
  }
  return undefined;
}
