import { resolvePolicy } from "@snapwrite/core";
import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import type pg from "pg";
import { type PostgresNames, type ResolvedNames, resolveNames } from "./schema-sql.js";

/** The `synchronous_commit` levels a write may ask for. */
export type SynchronousCommit = "on" | "remote_apply" | "remote_write" | "local" | "off";

/** Options of `openPostgresSink`. Give exactly one of `pool` and `connectionString`. */
export interface PostgresSinkOptions extends PostgresNames {
  /** A `pg.Pool` the application owns; `close()` leaves it open. */
  readonly pool?: pg.Pool | undefined;
  /** Connection string for a pool the sink owns and ends at `close()`. */
  readonly connectionString?: string | undefined;
  /** Size of the owned pool. Default 4. */
  readonly max?: number | undefined;
  /**
   * How long a new connection of the owned pool may take, in ms, until the server answered it (one
   * that accepts and never answers, a frozen one). A connection that does not come fails the call
   * with `ERR_IO` (the open with `stage: "open"`). Waiting for a free pooled connection is not
   * bounded by it. Default 5 000. A `pool` you pass keeps its own `connectionTimeoutMillis`.
   */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * How long `close()` waits, in ms, before it destroys the owned pool's connections (whatever
   * still waits for a frozen server then fails: `ERR_IO` on a destroyed connection, `ERR_CLOSED`
   * while still queued for one), and again after that before it gives up; a close that had to do
   * so rejects with `ERR_TIMEOUT` saying what it did. Default 5 000.
   */
  readonly closeTimeoutMs?: number | undefined;
  /**
   * How long the whole open may take, in ms: connecting, the schema migration (which waits for
   * another instance's migration), drawing the epoch and reading the durability setting. A server
   * that stops answering after the handshake, or a migration lock held too long, fails the open
   * with `ERR_TIMEOUT` (`stage: "open"`) instead of hanging; the owned pool's connections are
   * destroyed then (a `pool` you pass is left as it is). Default 30 000.
   */
  readonly openTimeoutMs?: number | undefined;
  /**
   * The owner epoch. Default: drawn from the `<table>_epoch` sequence when the sink opens, so a
   * newly opened sink fences every older one. Give one only when an external lease service hands
   * out monotone tokens, or one drawn by `drawPostgresEpoch` for every sink of one owner.
   */
  readonly epoch?: number | undefined;
  /** Bytes per chunk row: codec chunks are batched (or split) to this size. Default 1 MiB. */
  readonly chunkBytes?: number | undefined;
  /** `statement_timeout` of every write transaction, in ms; `0` (the default) = none. */
  readonly statementTimeoutMs?: number | undefined;
  /** `lock_timeout` of every write transaction, in ms; `0` (the default) = none. */
  readonly lockTimeoutMs?: number | undefined;
  /**
   * `idle_in_transaction_session_timeout` of every write transaction, in ms: the server ends the
   * session of a writer that stalls (a paused or partitioned process) in the middle of a write, so
   * it does not hold the head row's lock against the next owner forever. Default 60 000; `0` = none.
   */
  readonly idleInTransactionTimeoutMs?: number | undefined;
  /** `synchronous_commit` of every write transaction. Default `"on"`. */
  readonly synchronousCommit?: SynchronousCommit | undefined;
  /** Keep the previous snapshot, readable with `{ from: "backup" }`. Default `true`. */
  readonly backup?: boolean | undefined;
  /** Create the schema, tables and sequences when missing (`schemaSql`). Default `true`. */
  readonly migrate?: boolean | undefined;
}

/** How far a committed write survives: not at all, this server's disk, or a synchronous standby. */
export type PostgresDurability = "none" | "local" | "replicated";

const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;
/** The largest value PostgreSQL takes for its `*_timeout` settings (a 32-bit int of ms). */
const PG_MAX_TIMEOUT_MS = 2_147_483_647;
const OPTION_KEYS: ReadonlySet<string> = new Set([
  "pool",
  "connectionString",
  "max",
  "connectTimeoutMs",
  "closeTimeoutMs",
  "openTimeoutMs",
  "epoch",
  "chunkBytes",
  "statementTimeoutMs",
  "lockTimeoutMs",
  "idleInTransactionTimeoutMs",
  "synchronousCommit",
  "backup",
  "migrate",
  "schema",
  "table",
]);

/** The checked options a sink works with. Internal. */
export interface Settings {
  readonly names: ResolvedNames;
  readonly chunkBytes: number;
  readonly keepBackup: boolean;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly openTimeoutMs: number;
  /** `statement_timeout` of every write transaction (`0`: none). */
  readonly statementTimeoutMs: number;
  /** `BEGIN` plus the `SET LOCAL`s, sent as one simple query. */
  readonly begin: string;
}

/** Checks {@link PostgresSinkOptions} (a `TypeError` or `RangeError` for bad ones) and resolves the settings. */
export function checkPostgresSinkOptions(options: PostgresSinkOptions): Settings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openPostgresSink: options must be an object");
  }
  assertKnownOptions("openPostgresSink", options, OPTION_KEYS);
  assertNoNulls(options);
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new TypeError("openPostgresSink: give exactly one of pool and connectionString");
  }
  if (
    options.connectionString !== undefined &&
    (typeof options.connectionString !== "string" || options.connectionString.trim() === "")
  ) {
    throw new TypeError("openPostgresSink: connectionString must be a non-empty string");
  }
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  integerIn("chunkBytes", chunkBytes, 1, MAX_CHUNK_BYTES);
  if (options.max !== undefined) integerIn("max", options.max, 1, 10_000);
  if (options.epoch !== undefined) integerIn("epoch", options.epoch, 1, Number.MAX_SAFE_INTEGER);
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  const lockTimeoutMs = options.lockTimeoutMs ?? 0;
  integerIn("statementTimeoutMs", statementTimeoutMs, 0, PG_MAX_TIMEOUT_MS);
  integerIn("lockTimeoutMs", lockTimeoutMs, 0, PG_MAX_TIMEOUT_MS);
  const idleMs = options.idleInTransactionTimeoutMs ?? 60_000;
  integerIn("idleInTransactionTimeoutMs", idleMs, 0, PG_MAX_TIMEOUT_MS);
  const level = options.synchronousCommit ?? "on";
  if (!["on", "remote_apply", "remote_write", "local", "off"].includes(level)) {
    throw new TypeError(`openPostgresSink: synchronousCommit ${JSON.stringify(level)} is unknown`);
  }
  for (const name of ["backup", "migrate"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "boolean") {
      throw new TypeError(`openPostgresSink: ${name} must be a boolean`);
    }
  }
  return {
    names: resolveNames(options),
    chunkBytes,
    keepBackup: options.backup ?? true,
    ...resolveTimeouts(options),
    statementTimeoutMs,
    begin: `BEGIN; SET LOCAL synchronous_commit = ${level}; SET LOCAL statement_timeout = ${statementTimeoutMs}; SET LOCAL lock_timeout = ${lockTimeoutMs}; SET LOCAL idle_in_transaction_session_timeout = ${idleMs}`,
  };
}

function resolveTimeouts(options: PostgresSinkOptions): {
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  openTimeoutMs: number;
} {
  const interval = (value: number | undefined, fallback: number, min: number) => ({
    default: value ?? fallback,
    min,
    max: PG_MAX_TIMEOUT_MS,
    integer: true,
  });
  const { values } = resolvePolicy(
    {
      "openPostgresSink: connectTimeoutMs": interval(options.connectTimeoutMs, 5_000, 1),
      "openPostgresSink: closeTimeoutMs": interval(options.closeTimeoutMs, 5_000, 0),
      "openPostgresSink: openTimeoutMs": interval(options.openTimeoutMs, 30_000, 1),
    },
    { env: {} },
  );
  return {
    connectTimeoutMs: values["openPostgresSink: connectTimeoutMs"],
    closeTimeoutMs: values["openPostgresSink: closeTimeoutMs"],
    openTimeoutMs: values["openPostgresSink: openTimeoutMs"],
  };
}

/**
 * One rule for every option: leaving it out or passing `undefined` means its default; `null` is a
 * `TypeError` (it is no value of any option, and reading it as "default" for some options but not
 * others hid mistakes).
 */
function assertNoNulls(options: PostgresSinkOptions): void {
  for (const key of OPTION_KEYS) {
    if ((options as Record<string, unknown>)[key] === null) {
      throw new TypeError(
        `openPostgresSink: ${key} must not be null (leave it out or pass undefined for the default)`,
      );
    }
  }
}

function integerIn(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `openPostgresSink: ${name} must be an integer in ${min}..${max}, got ${String(value)}`,
    );
  }
}
