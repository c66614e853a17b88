import {
  isPersistenceError,
  PersistenceError,
  type PersistenceErrorCode,
  type WriteStage,
} from "@snapwrite/core";

/** Node socket errors that mean the connection to the server is gone or never came up. */
const CONNECTION_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Maps a SQLSTATE (or a Node socket error code) to a {@link PersistenceErrorCode}: lost
 * connections, shutdowns, serialization failures and overload are transient (`ERR_IO`,
 * `ERR_BUSY`); a query cancel (`57014`) is `ERR_TIMEOUT` (the sink reports its own aborts as
 * `ERR_ABORTED` before asking); lock timeouts are `ERR_LOCKED`; a full disk `ERR_NO_SPACE`;
 * missing privileges and failed authentication `ERR_PERMISSION`; anything else `ERR_IO`.
 *
 * `57014` is also what a cancel from an administrator gives (`pg_cancel_backend`); the SQLSTATE
 * alone cannot tell it from a statement timeout. The sink's own errors look at the whole error
 * ({@link toSinkError}) and report such a cancel as a transient `ERR_BUSY`.
 */
export function sqlStateCode(sqlState: string | undefined): PersistenceErrorCode {
  if (sqlState === undefined) return "ERR_IO";
  if (CONNECTION_ERRNOS.has(sqlState)) return "ERR_IO";
  switch (sqlState) {
    case "40001": // serialization_failure
    case "40P01": // deadlock_detected
    case "53200": // out_of_memory
    case "53300": // too_many_connections
    case "25006": // read_only_sql_transaction: a standby after a failover
    case "57P03": // cannot_connect_now: starting up or in recovery
      return "ERR_BUSY";
    case "55P03": // lock_not_available
      return "ERR_LOCKED";
    case "53100": // disk_full
      return "ERR_NO_SPACE";
    case "42501": // insufficient_privilege
      return "ERR_PERMISSION";
    case "57014": // query_canceled: statement_timeout (or a cancel: see toSinkError)
      return "ERR_TIMEOUT";
    default:
      break;
  }
  if (sqlState.startsWith("28")) return "ERR_PERMISSION"; // invalid authorization
  return "ERR_IO"; // 08xxx connection, 57P01/57P02 shutdown, and everything unexpected
}

/** Options of {@link toSinkError}. */
export interface ToSinkErrorOptions {
  readonly stage: WriteStage | undefined;
  readonly target?: string | undefined;
  /** The write's signal: once it aborted, any failure is reported as `ERR_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The failing statement stores `target` in one of the sink's B-tree indexes (a write's chunk
   * `INSERT` or head upsert): a `54000` from it means the id is too long for the index.
   */
  readonly indexesTarget?: boolean | undefined;
  /**
   * Whether a `statement_timeout` can be in effect for the failing statement: `false` for a write
   * whose transaction set none (`statementTimeoutMs: 0`), so that a `57014` from it is a cancel
   * whatever language the server words its messages in. Unknown when left out.
   */
  readonly statementTimeout?: boolean | undefined;
}

/**
 * Turns what `pg` threw into a {@link PersistenceError} with the mapped code, the SQLSTATE in
 * `details.sqlState`, and the original error as `cause`. A `PersistenceError` is kept as it is.
 */
export function toSinkError(error: unknown, options: ToSinkErrorOptions): PersistenceError {
  if (isPersistenceError(error)) return error;
  const { stage, target, signal } = options;
  if (signal?.aborted) {
    return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
      stage,
      target,
      cause: error,
    });
  }
  const sqlState = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (target !== undefined && options.indexesTarget === true && sqlState === INDEX_ROW_TOO_LARGE) {
    return targetTooLong(target, stage, sqlState, error);
  }
  const code =
    sqlState === QUERY_CANCELED
      ? queryCanceledCode(message, options.statementTimeout)
      : sqlStateCode(sqlState);
  const where = stage === undefined ? "" : ` during ${stage}`;
  const about = target === undefined ? "" : ` of ${JSON.stringify(target)}`;
  return new PersistenceError(code, `${code}${where}${about}: ${message}`, {
    stage,
    target,
    details: sqlState === undefined ? undefined : { sqlState },
    cause: error,
  });
}

/** The SQLSTATE (or Node socket error code) of what `pg` threw, if it has one. */
function sqlStateOf(error: unknown): string | undefined {
  const raw =
    typeof error === "object" && error !== null && "code" in error
      ? (error as { code: unknown }).code
      : undefined;
  return typeof raw === "string" ? raw : undefined;
}

/**
 * What a statement on a checked-out connection failed of: `thrown`, or, when that carries no
 * SQLSTATE, `reported`, the first error the connection emitted while checked out. Once the session
 * ended between two statements (`pg_terminate_backend`, a server shutdown,
 * `idle_in_transaction_session_timeout` while a write waited for its chunk source), `pg` emits the
 * server's error (`57P01`, `25P03`, …) on the connection and rejects every later statement with a
 * generic "Client has encountered a connection error and is not queryable" that has no code: the
 * emitted error is the real cause. A `PersistenceError` (the sink's own) is kept.
 */
export function statementFailure(thrown: unknown, reported: unknown): unknown {
  if (reported === undefined || isPersistenceError(thrown)) return thrown;
  return sqlStateOf(thrown) === undefined ? reported : thrown;
}

const QUERY_CANCELED = "57014";

/**
 * The message of a `57014` from a cancel request (`pg_cancel_backend`, or a client's protocol
 * cancel), as the server words it with `lc_messages` in English. A statement timeout gives
 * "canceling statement due to statement timeout" under the same SQLSTATE; every other field of
 * the two errors is the same (`routine` "ProcessInterrupts", `file` "postgres.c"), but for the
 * source line, which changes from release to release.
 */
const CANCEL_REQUESTED = "canceling statement due to user request";

/**
 * A `57014` (query_canceled) is either a statement timeout, `ERR_TIMEOUT` (permanent: the retry
 * would time out again), or a cancel an administrator or a monitoring tool sent
 * (`pg_cancel_backend`), `ERR_BUSY` (transient, as a deadlock the server resolves by cancelling one
 * transaction: the connection and the stored data are fine, and the retry can go through). A
 * statement without a `statement_timeout` can only have been cancelled; otherwise the server's
 * message tells them apart, and a message in another language stays `ERR_TIMEOUT`.
 */
function queryCanceledCode(
  message: string,
  statementTimeout: boolean | undefined,
): PersistenceErrorCode {
  if (statementTimeout === false || message === CANCEL_REQUESTED) return "ERR_BUSY";
  return "ERR_TIMEOUT";
}

/**
 * `54000` (program_limit_exceeded) from a statement that stores the target id in an index: the id
 * is the only variable-length key of the sink's indexes, and a B-tree row holds at most about
 * 2.7 kB (after compression), so a long id that does not compress enough can never be stored. Not
 * transient: retrying cannot help. Decided from the SQLSTATE and the statement only, never from the
 * message, which the server words in its `lc_messages` language.
 */
const INDEX_ROW_TOO_LARGE = "54000";

function targetTooLong(
  target: string,
  stage: WriteStage | undefined,
  sqlState: string,
  cause: unknown,
): PersistenceError {
  const reason = "too long for the server's index (a B-tree row holds about 2.7 kB)";
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `invalid target ${JSON.stringify(target.slice(0, 80))}… (${Buffer.byteLength(target)} UTF-8 bytes): ${reason}`,
    { stage, target, details: { reason, sqlState }, cause },
  );
}
