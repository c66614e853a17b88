import {
  isPersistenceError,
  PersistenceError,
  type PersistenceErrorCode,
  type WriteStage,
} from "./persistence-error.js";

/** Which way an OS error happened: `ENOENT` means "not found" on a read, plain I/O trouble otherwise. */
export type OsErrorDirection = "read" | "write";

/**
 * Maps a Node.js system error code (`ENOSPC`, `EACCES`, …) to a {@link PersistenceErrorCode}, as
 * docs/architecture.md#error-codes specifies.
 */
export function osErrorCode(
  osCode: string | undefined,
  direction: OsErrorDirection = "write",
): PersistenceErrorCode {
  switch (osCode) {
    case "ENOSPC":
    case "EDQUOT":
      return "ERR_NO_SPACE";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "ERR_PERMISSION";
    case "EBUSY":
    case "EAGAIN":
    case "EMFILE":
    case "ENFILE":
      return "ERR_BUSY";
    case "ENOENT":
      return direction === "read" ? "ERR_NOT_FOUND" : "ERR_IO";
    case "ABORT_ERR":
      return "ERR_ABORTED";
    default:
      return "ERR_IO";
  }
}

/** Options of {@link toPersistenceError}. */
export interface ToPersistenceErrorOptions {
  /** Stage to record when `error` is not already a {@link PersistenceError}. */
  readonly stage?: WriteStage | undefined;
  /** Target to record. */
  readonly target?: string | undefined;
  /** Direction used to map `ENOENT`. Default `"write"`. */
  readonly direction?: OsErrorDirection | undefined;
}

/**
 * Turns anything thrown into a {@link PersistenceError}: one that already is keeps its code and
 * stage; an OS error gets the mapped code with the OS error as `cause`; an `AbortError` becomes
 * `ERR_ABORTED`.
 */
export function toPersistenceError(
  error: unknown,
  options: ToPersistenceErrorOptions = {},
): PersistenceError {
  if (isPersistenceError(error)) return error;
  const osCode =
    typeof error === "object" && error !== null && "code" in error
      ? String((error as { code: unknown }).code)
      : undefined;
  const isAbort =
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "AbortError";
  const code = isAbort ? "ERR_ABORTED" : osErrorCode(osCode, options.direction);
  const message = error instanceof Error ? error.message : String(error);
  const where = options.stage === undefined ? "" : ` during ${options.stage}`;
  const about = options.target === undefined ? "" : ` of ${JSON.stringify(options.target)}`;
  return new PersistenceError(code, `${code}${where}${about}: ${message}`, {
    stage: options.stage,
    target: options.target,
    details: osCode === undefined ? undefined : { osCode },
    cause: error,
  });
}
