import { PersistenceError, type TargetId } from "@snapwrite/core";

/**
 * The `ERR_STALE` of a quarantine whose target no longer holds the bytes that failed
 * (`details.reason: "changed"`, plus `extra`).
 */
export function changedError(
  target: TargetId,
  extra?: Readonly<Record<string, unknown>>,
): PersistenceError {
  return new PersistenceError(
    "ERR_STALE",
    `not quarantining ${JSON.stringify(target)}: it changed since it was read`,
    { stage: "rename", target, details: { reason: "changed", ...extra } },
  );
}
