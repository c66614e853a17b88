import {
  isPersistenceError,
  type OsErrorDirection,
  PersistenceError,
  toPersistenceError,
  type WriteStage,
} from "@snapwrite/core";

/**
 * Turns an error thrown by a file-system call into the {@link PersistenceError} of `stage`: the
 * mapped code (DESIGN §7), the OS error as `cause`, `details.osCode`, plus `extra` details. A
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

/** The `ERR_ABORTED` error of a write aborted at `stage`, with the signal's reason as `cause`. */
export function abortFailure(
  target: string,
  stage: WriteStage,
  signal: AbortSignal,
): PersistenceError {
  return new PersistenceError(
    "ERR_ABORTED",
    `write of ${JSON.stringify(target)} was aborted during ${stage}`,
    { stage, target, cause: signal.reason },
  );
}
