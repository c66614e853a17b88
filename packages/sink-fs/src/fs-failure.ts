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
 * `PersistenceError` passes through unchanged. `ENAMETOOLONG` — the target's name, or one sink-fs
 * derives from it (`.bak`, `.lock`, `.corrupt-…`), or the whole path, is longer than the file
 * system allows — is `ERR_INVALID_TARGET` with `details.reason: "name-too-long"`: no retry can
 * change it.
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
  const tooLong = mapped.details?.osCode === "ENAMETOOLONG";
  if (extra === undefined && !tooLong) return mapped;
  const code = tooLong ? "ERR_INVALID_TARGET" : mapped.code;
  return new PersistenceError(code, mapped.message.replace(mapped.code, code), {
    stage: mapped.stage,
    target: mapped.target,
    details: { ...(tooLong ? { reason: "name-too-long" } : {}), ...mapped.details, ...extra },
    cause: mapped.cause,
  });
}
