import { errorCode } from "./error-code.js";

/**
 * Whether a process with id `pid` runs on this host, by sending it signal 0. `EPERM` (it exists but
 * belongs to another user) counts as alive; only `ESRCH` means gone. Anything that is not a
 * positive integer counts as alive, so a garbled name never leads to deleting a live file.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== "ESRCH";
  }
}
