import type { PersistenceErrorCode } from "./persistence-error.js";

/**
 * The error codes the writer does not retry by itself: a failed write with one of these waits for
 * the next request. The write-through codes `ERR_COMMAND`, `ERR_CONFLICT`, `ERR_READ_ONLY` and
 * `ERR_GAP` are permanent too: repeating the same attempt cannot succeed. Every other code,
 * `ERR_WORKER` and codes added later included, is transient.
 */
export const PERMANENT_ERROR_CODES: readonly PersistenceErrorCode[] = Object.freeze([
  "ERR_INVALID_TARGET",
  "ERR_ENCODE",
  "ERR_SNAPSHOT",
  "ERR_ABORTED",
  "ERR_CLOSED",
  "ERR_TIMEOUT",
  "ERR_STALE",
  "ERR_COMMAND",
  "ERR_CONFLICT",
  "ERR_READ_ONLY",
  "ERR_GAP",
]);

const PERMANENT: ReadonlySet<string> = new Set(PERMANENT_ERROR_CODES);

/** True when the writer treats `code` as permanent (no automatic retry). */
export function isPermanentErrorCode(code: string): boolean {
  return PERMANENT.has(code);
}
