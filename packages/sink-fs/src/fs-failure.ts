import {
  isPersistenceError,
  type OsErrorDirection,
  PersistenceError,
  toPersistenceError,
  type WriteStage,
} from "@snapwrite/core";

/**
 * Turns an error thrown by a file-system call into the {@link PersistenceError} of `stage`: the
 * mapped code (docs/architecture.md#error-codes), the OS error as `cause`, `details.osCode`, plus `extra` details. A
 * `PersistenceError` passes through unchanged.
 */
export function fsFailure(
  error: unknown,
  stage: WriteStage | undefined,
  target: string,
  extra?: Readonly<Record<string, unknown>>,
  direction: OsErrorDirection = "write",
): PersistenceError {
  if (isPersistenceError(error)) return error;
  const mapped = toPersistenceError(error, { stage, target, direction });
  if (extra === undefined) return mapped;
  return new PersistenceError(mapped.code, mapped.message, {
    stage: mapped.stage,
    target: mapped.target,
    details: { ...mapped.details, ...extra },
    cause: mapped.cause,
  });
}
