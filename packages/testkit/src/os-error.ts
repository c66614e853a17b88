/**
 * Linux errno numbers of the system error codes tests usually inject. Node reports them negated on
 * POSIX systems (`ENOENT` → `errno: -2`), and {@link createOsError} does the same.
 */
export const OS_ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EMLINK: 31,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ETIMEDOUT: 110,
  ESTALE: 116,
  EDQUOT: 122,
  ECANCELED: 125,
});

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EIO: "i/o error",
  EBADF: "bad file descriptor",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "not enough memory",
  EACCES: "permission denied",
  EBUSY: "resource busy or locked",
  EEXIST: "file already exists",
  EXDEV: "cross-device link not permitted",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  EINVAL: "invalid argument",
  ENFILE: "file table overflow",
  EMFILE: "too many open files",
  EFBIG: "file too large",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  EMLINK: "too many links",
  ENAMETOOLONG: "name too long",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many symbolic links encountered",
  ETIMEDOUT: "connection timed out",
  ESTALE: "stale file handle",
  EDQUOT: "disk quota exceeded",
  ECANCELED: "operation canceled",
};

/** An error shaped like the ones `node:fs` throws. */
export interface OsError extends Error {
  /** System error code, `"ENOSPC"`. */
  readonly code: string;
  /** Negated Linux errno, `-28` for `ENOSPC`; codes missing from {@link OS_ERRNO} get `-1`. */
  readonly errno: number;
  /** Failing system call: `"open"`, `"write"`, `"fsync"`, `"rename"`, … */
  readonly syscall: string;
  /** Path concerned, when there is one. */
  readonly path?: string;
  /** Destination path of `rename`/`link`/`symlink`. */
  readonly dest?: string;
}

/**
 * Builds an error that looks exactly like a `node:fs` system error: message
 * `"ENOSPC: no space left on device, write '/data/x'"`, with `code`, `errno` (negated Linux
 * number, as Node reports it), `syscall`, `path` and `dest`.
 */
export function createOsError(
  code: string,
  syscall: string,
  path?: string,
  dest?: string,
): OsError {
  const description = DESCRIPTIONS[code] ?? "unknown error";
  const where =
    path === undefined ? "" : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
  const error = new Error(`${code}: ${description}, ${syscall}${where}`) as Error & {
    code: string;
    errno: number;
    syscall: string;
    path?: string;
    dest?: string;
  };
  error.code = code;
  error.errno = -(OS_ERRNO[code] ?? 0) || -1;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}
