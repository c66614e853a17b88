import {
  isPersistenceError,
  type OsErrorDirection,
  PersistenceError,
  toPersistenceError,
  type WriteStage,
} from "@snapwrite/core";

/**
 * The OS error codes no retry can change, with the `details.reason` of the `ERR_INVALID_TARGET`
 * sink-fs reports for them.
 */
const INVALID_TARGET_REASONS: ReadonlyMap<string, string> = new Map([
  ["ENAMETOOLONG", "name-too-long"],
  ["ELOOP", "symlink-loop"],
  ["ENOTDIR", "parent-not-a-directory"],
  ["EISDIR", "not-a-regular-file"],
]);

/**
 * Turns an error thrown by a file-system call into the {@link PersistenceError} of `stage`: the
 * mapped code (docs/architecture.md#error-codes), the OS error as `cause`, `details.osCode`, plus `extra` details. A
 * `PersistenceError` passes through unchanged. What no retry can change is the permanent
 * `ERR_INVALID_TARGET`, with `details.reason`: `ENAMETOOLONG` (the target's name, or one sink-fs
 * derives from it — `.bak`, `.lock`, `.corrupt-…` —, or the whole path, is longer than the file
 * system allows) `"name-too-long"`; `ELOOP` (a loop of symlinks on the path) `"symlink-loop"`;
 * `ENOTDIR` (a component of the path that should be a directory is not one)
 * `"parent-not-a-directory"`; `EISDIR` (a directory where a file is expected)
 * `"not-a-regular-file"`.
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
  const osCode = mapped.details?.osCode;
  const reason = typeof osCode === "string" ? INVALID_TARGET_REASONS.get(osCode) : undefined;
  if (extra === undefined && reason === undefined) return mapped;
  const code = reason === undefined ? mapped.code : "ERR_INVALID_TARGET";
  return new PersistenceError(code, mapped.message.replace(mapped.code, code), {
    stage: mapped.stage,
    target: mapped.target,
    details: { ...(reason === undefined ? {} : { reason }), ...mapped.details, ...extra },
    cause: mapped.cause,
  });
}
