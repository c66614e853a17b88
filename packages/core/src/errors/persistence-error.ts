import { jsonSafe } from "./json-safe.js";

/**
 * Every error code snapwrite reports. The union is open to additions: switch on the codes you
 * handle and treat anything else as transient I/O trouble.
 */
export type PersistenceErrorCode =
  | "ERR_NOT_FOUND"
  | "ERR_CORRUPT"
  | "ERR_IO"
  | "ERR_NO_SPACE"
  | "ERR_PERMISSION"
  | "ERR_BUSY"
  | "ERR_LOCKED"
  | "ERR_INVALID_TARGET"
  | "ERR_SNAPSHOT"
  | "ERR_ENCODE"
  | "ERR_CLOSED"
  | "ERR_ABORTED"
  | "ERR_TIMEOUT"
  | "ERR_STALE"
  | "ERR_COMMAND"
  | "ERR_CONFLICT"
  | "ERR_READ_ONLY"
  | "ERR_GAP"
  | "ERR_WORKER"
  | "ERR_UNSUPPORTED";

/** The codes of {@link PersistenceErrorCode} as a frozen list, in documentation order. */
export const PERSISTENCE_ERROR_CODES: readonly PersistenceErrorCode[] = Object.freeze([
  "ERR_NOT_FOUND",
  "ERR_CORRUPT",
  "ERR_IO",
  "ERR_NO_SPACE",
  "ERR_PERMISSION",
  "ERR_BUSY",
  "ERR_LOCKED",
  "ERR_INVALID_TARGET",
  "ERR_SNAPSHOT",
  "ERR_ENCODE",
  "ERR_CLOSED",
  "ERR_ABORTED",
  "ERR_TIMEOUT",
  "ERR_STALE",
  "ERR_COMMAND",
  "ERR_CONFLICT",
  "ERR_READ_ONLY",
  "ERR_GAP",
  "ERR_WORKER",
  "ERR_UNSUPPORTED",
]);

/**
 * Stage of a write at which something went wrong. `snapshot` and `encode` happen in the writer;
 * the others inside a sink; `close` marks tickets settled by shutdown.
 */
export type WriteStage =
  | "snapshot"
  | "encode"
  | "lock"
  | "open"
  | "write"
  | "sync"
  | "rename"
  | "sync-dir"
  | "close";

/** Options of the {@link PersistenceError} constructor. */
export interface PersistenceErrorOptions {
  /** Stage of the write that failed, when the error comes from a write. */
  readonly stage?: WriteStage | undefined;
  /** Target the error concerns. */
  readonly target?: string | undefined;
  /** Machine-readable details, for example `{ offset, reason }` for `ERR_CORRUPT`. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  /** The original error (an OS error, a codec's exception, …). */
  readonly cause?: unknown;
}

const BRAND = Symbol.for("snapwrite.PersistenceError");

/** What `JSON.stringify` writes for a {@link PersistenceError} (see {@link PersistenceError.toJSON}). */
export interface PersistenceErrorJson {
  readonly name: string;
  readonly message: string;
  readonly code: PersistenceErrorCode;
  readonly stage?: WriteStage | undefined;
  readonly target?: string | undefined;
  /** `details`, made JSON-safe. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  /** The cause, made JSON-safe (an error becomes `{ name, message, code?, …, cause? }`). */
  readonly cause?: unknown;
}

/**
 * The one error class of snapwrite. Identify it with {@link isPersistenceError}, not
 * `instanceof`: the brand survives duplicated copies of the package.
 */
export class PersistenceError extends Error {
  /** What went wrong, from the documented catalogue. */
  readonly code: PersistenceErrorCode;
  /** Stage of the write that failed, if any. */
  readonly stage: WriteStage | undefined;
  /** Target concerned, if any. */
  readonly target: string | undefined;
  /** Machine-readable details. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: PersistenceErrorCode, message: string, options: PersistenceErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "PersistenceError";
    this.code = code;
    this.stage = options.stage;
    this.target = options.target;
    this.details =
      options.details === undefined ? undefined : Object.freeze({ ...options.details });
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * The error as plain data, so `JSON.stringify(result)` keeps `code`, `stage`, `target`,
   * `message`, `details` and the `cause` chain (an `Error` has no enumerable fields of its own).
   * Never throws: bigints become strings, cycles (also in the cause chain) `"[Circular]"`, byte
   * arrays `{ type, byteLength }`, functions are left out, and nesting is cut after 8 levels.
   */
  toJSON(): PersistenceErrorJson {
    return jsonSafe(this) as PersistenceErrorJson;
  }
}

/**
 * True when `value` is a {@link PersistenceError} (from any copy of `@snapwrite/core`), and, when
 * `code` is given, has that code.
 */
export function isPersistenceError(
  value: unknown,
  code?: PersistenceErrorCode,
): value is PersistenceError {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as PersistenceError).code === code;
}
