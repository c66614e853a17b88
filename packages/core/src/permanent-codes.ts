import type { PersistenceErrorCode } from "./persistence-error.js";

/**
 * The error codes the writer does not retry by itself (DESIGN §3 rule 6): a failed write with one
 * of these waits for the next request. Every other code, including codes added later, is transient.
 */
export const PERMANENT_ERROR_CODES: readonly PersistenceErrorCode[] = Object.freeze([
  "ERR_INVALID_TARGET",
  "ERR_ENCODE",
  "ERR_SNAPSHOT",
  "ERR_ABORTED",
  "ERR_CLOSED",
  "ERR_TIMEOUT",
  "ERR_STALE",
]);

const PERMANENT: ReadonlySet<string> = new Set(PERMANENT_ERROR_CODES);

/** True when the writer treats `code` as permanent (no automatic retry). */
export function isPermanentErrorCode(code: string): boolean {
  return PERMANENT.has(code);
}
