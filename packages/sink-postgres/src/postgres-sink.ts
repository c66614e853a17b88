import { createHash } from "node:crypto";
import {
  isPersistenceError,
  PersistenceError,
  type SinkCapabilities,
  type SinkQuarantineOptions,
  type SinkWriteOptions,
  type SinkWriteResult,
  type TargetId,
} from "@snapwrite/core";
import { type DefinedSink, defineSink, raceAbort } from "@snapwrite/core/sink-kit";
import pg from "pg";
import { toSinkError } from "./pg-error.js";
import {
  type PostgresNames,
  publishSql,
  type ResolvedNames,
  resolveNames,
  schemaSql,
} from "./schema-sql.js";

/** The `synchronous_commit` levels a write may ask for. */
export type SynchronousCommit = "on" | "remote_apply" | "remote_write" | "local" | "off";

/** Options of {@link openPostgresSink}. Give exactly one of `pool` and `connectionString`. */
export interface PostgresSinkOptions extends PostgresNames {
  /** A `pg.Pool` the application owns; `close()` leaves it open. */
  readonly pool?: pg.Pool | undefined;
  /** Connection string for a pool the sink owns and ends at `close()`. */
  readonly connectionString?: string | undefined;
  /** Size of the owned pool. Default 4. */
  readonly max?: number | undefined;
  /**
   * The owner epoch. Default: drawn from the `<table>_epoch` sequence when the sink opens, so a
   * newly opened sink fences every older one. Give one only when an external lease service hands
   * out monotone tokens.
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

/** The sink {@link openPostgresSink} resolves with. */
export interface PostgresSink extends DefinedSink {
  /** The owner epoch of this sink: the first half of its fencing token. */
  readonly epoch: number;
  /**
   * From the server's `fsync`, the write's `synchronous_commit` and `synchronous_standby_names`:
   * `"replicated"` only when a synchronous standby must confirm each commit.
   */
  readonly durability: PostgresDurability;
  /** Quarantines the primary into `<table>_quarantine` and returns `postgres:<schema>.<table>_quarantine/<id>`. */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;
const OPTION_KEYS: ReadonlySet<string> = new Set([
  "pool",
  "connectionString",
  "max",
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

export interface Settings {
  readonly names: ResolvedNames;
  readonly chunkBytes: number;
  readonly keepBackup: boolean;
  /** `BEGIN` plus the `SET LOCAL`s, sent as one simple query. */
  readonly begin: string;
}

/**
 * Opens a {@link Sink} that stores snapshots in PostgreSQL: chunk rows plus a head row per target,
 * written in one transaction. The head row is published only when the stored `(epoch, generation)`
 * is not newer than the writer's, in the same statement (server-side fencing); otherwise the write
 * rejects with `ERR_STALE` and changes nothing. The epoch is drawn from a sequence here, so a
 * newly opened sink fences every older one.
 */
export async function openPostgresSink(options: PostgresSinkOptions): Promise<PostgresSink> {
  const settings = checkPostgresSinkOptions(options);
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 4 });
  // An idle pooled connection that the server drops emits "error" on the pool; unhandled, that
  // would crash the process. The next checkout just gets a fresh connection.
  if (owned) pool.on("error", () => undefined);
  try {
    if (options.migrate !== false) await migrate(pool, settings.names);
    const epoch = options.epoch ?? (await drawEpoch(pool, settings.names));
    const durability = await readDurability(pool, options.synchronousCommit ?? "on");
    return buildSink(pool, owned, settings, epoch, durability);
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw toSinkError(error, { stage: "open" });
  }
}

/** Checks {@link PostgresSinkOptions} (a `TypeError` or `RangeError` for bad ones) and resolves the settings. */
export function checkPostgresSinkOptions(options: PostgresSinkOptions): Settings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openPostgresSink: options must be an object");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(`openPostgresSink: unknown option ${JSON.stringify(key)}`);
    }
  }
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new TypeError("openPostgresSink: give exactly one of pool and connectionString");
  }
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  integerIn("chunkBytes", chunkBytes, 1, MAX_CHUNK_BYTES);
  if (options.max !== undefined) integerIn("max", options.max, 1, 10_000);
  if (options.epoch !== undefined) integerIn("epoch", options.epoch, 1, Number.MAX_SAFE_INTEGER);
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  const lockTimeoutMs = options.lockTimeoutMs ?? 0;
  integerIn("statementTimeoutMs", statementTimeoutMs, 0, 2_147_483_647);
  integerIn("lockTimeoutMs", lockTimeoutMs, 0, 2_147_483_647);
  const idleMs = options.idleInTransactionTimeoutMs ?? 60_000;
  integerIn("idleInTransactionTimeoutMs", idleMs, 0, 2_147_483_647);
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
    begin: `BEGIN; SET LOCAL synchronous_commit = ${level}; SET LOCAL statement_timeout = ${statementTimeoutMs}; SET LOCAL lock_timeout = ${lockTimeoutMs}; SET LOCAL idle_in_transaction_session_timeout = ${idleMs}`,
  };
}

function integerIn(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `openPostgresSink: ${name} must be an integer in ${min}..${max}, got ${String(value)}`,
    );
  }
}

/**
 * Runs the DDL in one transaction under an advisory lock: several instances opening at once must
 * not race on `CREATE … IF NOT EXISTS` (which can fail with a unique violation when they do).
 */
async function migrate(pool: pg.Pool, names: ResolvedNames): Promise<void> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query(
      `BEGIN; SELECT pg_advisory_xact_lock(hashtext('snapwrite-migrate:${names.schema}.${names.table}'));\n${schemaSql(names)}COMMIT;`,
    );
  } catch (error) {
    broken = error;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release(broken === undefined ? undefined : true);
  }
}

async function drawEpoch(pool: pg.Pool, names: ResolvedNames): Promise<number> {
  const result = await pool.query<{ epoch: string }>(
    `SELECT nextval('${names.epochSeq}') AS epoch`,
  );
  return Number(result.rows[0]?.epoch);
}

async function readDurability(
  pool: pg.Pool,
  level: SynchronousCommit,
): Promise<PostgresDurability> {
  const result = await pool.query<{ fsync: string; standbys: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_standby_names') AS standbys",
  );
  const row = result.rows[0];
  if (row?.fsync !== "on" || level === "off") return "none";
  const waitsForStandby = level === "on" || level === "remote_write" || level === "remote_apply";
  return waitsForStandby && row.standbys.trim() !== "" ? "replicated" : "local";
}

function buildSink(
  pool: pg.Pool,
  owned: boolean,
  settings: Settings,
  epoch: number,
  durability: PostgresDurability,
): PostgresSink {
  const durable = durability !== "none";
  const capabilities: SinkCapabilities = {
    atomicReplace: true,
    durable,
    backup: settings.keepBackup,
    crossProcessLock: true,
    fencing: true,
  };
  // Generations for writes that pass none: increasing in call order, per target.
  const lastGeneration = new Map<TargetId, number>();
  const sink = defineSink({
    capabilities,
    async writeNow(target, chunks, writeOptions) {
      const generation = nextGeneration(lastGeneration, target, writeOptions.generation);
      const context: WriteContext = { pool, settings, epoch, generation, target, durable };
      return writeSnapshot(context, chunks, writeOptions);
    },
    readNow: (target, { from }) => readSnapshot(pool, settings.names, target, from),
    quarantineNow: (target, reason) => quarantineHead(pool, settings.names, target, reason),
    async closeNow() {
      if (owned) await pool.end();
    },
  });
  return Object.assign(sink, { epoch, durability }) as PostgresSink;
}

function nextGeneration(
  last: Map<TargetId, number>,
  target: TargetId,
  given: number | undefined,
): number {
  if (given !== undefined) {
    if (!Number.isSafeInteger(given) || given < 0) {
      throw new PersistenceError("ERR_INVALID_TARGET", `generation ${given} is not an integer`, {
        stage: "open",
        target,
      });
    }
    last.set(target, Math.max(last.get(target) ?? 0, given));
    return given;
  }
  const generation = (last.get(target) ?? 0) + 1;
  last.set(target, generation);
  return generation;
}

interface WriteContext {
  readonly pool: pg.Pool;
  readonly settings: Settings;
  readonly epoch: number;
  readonly generation: number;
  readonly target: TargetId;
  readonly durable: boolean;
}

/** Which step a write is in: the `stage` its errors report. */
interface Progress {
  stage: "open" | "lock" | "write" | "rename" | "sync";
}

/**
 * One write, on one pooled connection, in one transaction. An abort destroys the connection (the
 * server rolls back; `pg` has no cancel for a statement that is still being sent), so a write can
 * never outlive its signal by more than a round trip.
 */
async function writeSnapshot(
  context: WriteContext,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  { signal }: SinkWriteOptions,
): Promise<SinkWriteResult> {
  const { pool, target } = context;
  const progress: Progress = { stage: "open" };
  let client: pg.PoolClient;
  const connecting = pool.connect();
  try {
    client = await raceAbort(connecting, signal, () => abortedError(target, "open"));
  } catch (error) {
    // A connection that arrives after the abort won the race goes straight back, discarded.
    connecting.then((late) => late.release(true)).catch(() => undefined);
    throw toSinkError(error, { stage: "open", target, signal });
  }
  let broken: unknown;
  const onClientError = (error: unknown): void => {
    broken = error;
  };
  client.on("error", onClientError);
  const onAbort = (): void => destroyConnection(client);
  signal?.addEventListener("abort", onAbort, { once: true });
  let committed = false;
  try {
    const bytes = await transaction(client, context, chunks, signal, progress);
    committed = true;
    return { bytes, durable: context.durable };
  } catch (error) {
    throw toSinkError(error, { stage: progress.stage, target, signal });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!committed && broken === undefined && !signal?.aborted) {
      await client.query("ROLLBACK").catch((error: unknown) => {
        broken = error;
      });
    }
    // A connection that failed or was destroyed must not go back into the pool; it keeps the error
    // listener, as its socket may still report the failure after the release.
    const discard = broken !== undefined || signal?.aborted === true;
    if (!discard) client.off("error", onClientError);
    client.release(discard ? true : undefined);
  }
}

function destroyConnection(client: pg.PoolClient): void {
  const connection = (client as unknown as { connection?: { stream?: { destroy(): void } } })
    .connection;
  connection?.stream?.destroy();
}

function abortedError(target: TargetId, stage: Progress["stage"]): PersistenceError {
  return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
    stage,
    target,
  });
}

function staleError(context: WriteContext, stored: { epoch: number; generation: number }) {
  const { target, epoch, generation } = context;
  return new PersistenceError(
    "ERR_STALE",
    `write of ${JSON.stringify(target)} at (epoch ${epoch}, generation ${generation}) is older than the stored (epoch ${stored.epoch}, generation ${stored.generation}): this writer was fenced off`,
    {
      stage: "rename",
      target,
      details: {
        epoch,
        generation,
        storedEpoch: stored.epoch,
        storedGeneration: stored.generation,
      },
    },
  );
}

function isNewer(
  stored: { epoch: number; generation: number },
  context: { epoch: number; generation: number },
): boolean {
  return (
    stored.epoch > context.epoch ||
    (stored.epoch === context.epoch && stored.generation > context.generation)
  );
}

async function transaction(
  client: pg.PoolClient,
  context: WriteContext,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  progress: Progress,
): Promise<number> {
  const { settings, target } = context;
  const n = settings.names;
  await client.query(settings.begin);
  progress.stage = "lock";
  const head = await client.query<{ epoch: string; generation: string }>(
    `SELECT epoch, generation FROM ${n.head} WHERE target = $1 FOR UPDATE`,
    [target],
  );
  const row = head.rows[0];
  // The early fence: a writer that lost ownership does not upload a whole snapshot first.
  if (row !== undefined) {
    const stored = { epoch: Number(row.epoch), generation: Number(row.generation) };
    if (isNewer(stored, context)) throw staleError(context, stored);
  }
  const versionRow = await client.query<{ version: string }>(
    `SELECT nextval('${n.versionSeq}') AS version`,
  );
  const version = versionRow.rows[0]?.version as string;
  progress.stage = "write";
  const stored = await insertChunks(client, context, version, chunks, signal);
  progress.stage = "rename";
  const published = await client.query(publishSql(n, settings.keepBackup), [
    target,
    context.epoch,
    context.generation,
    version,
    stored.bytes,
    stored.rows,
    stored.sha256,
  ]);
  if (published.rowCount === 0) {
    const now = await client.query<{ epoch: string; generation: string }>(
      `SELECT epoch, generation FROM ${n.head} WHERE target = $1`,
      [target],
    );
    const current = now.rows[0];
    throw staleError(context, {
      epoch: Number(current?.epoch),
      generation: Number(current?.generation),
    });
  }
  const previous = (published.rows[0] as { prev_version: string | null }).prev_version;
  // Chunks of every other version of this target go in the same transaction: no orphans.
  await client.query(
    `DELETE FROM ${n.chunk} WHERE target = $1 AND version <> $2 AND version IS DISTINCT FROM $3
       AND version NOT IN (SELECT version FROM ${n.quarantine} WHERE target = $1)`,
    [target, version, previous],
  );
  progress.stage = "sync";
  await client.query("COMMIT");
  return stored.bytes;
}

interface StoredChunks {
  readonly bytes: number;
  readonly rows: number;
  readonly sha256: Buffer;
}

/**
 * Streams the chunks into rows of `chunkBytes` as they arrive, keeping at most one row in flight
 * while the next one is being gathered: client memory stays at about two rows.
 */
async function insertChunks(
  client: pg.PoolClient,
  context: WriteContext,
  version: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<StoredChunks> {
  const { settings, target } = context;
  const sql = `INSERT INTO ${settings.names.chunk} (version, seq, target, data) VALUES ($1, $2, $3, $4)`;
  const hash = createHash("sha256");
  const size = settings.chunkBytes;
  let bytes = 0;
  let rows = 0;
  let parts: Buffer[] = [];
  let gathered = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, gathered);
    parts = [];
    gathered = 0;
    await inFlight;
    const insert = client.query(sql, [version, rows, target, data]);
    rows += 1;
    // Never an unhandled rejection: the next flush or the final await reports it.
    insert.catch(() => undefined);
    inFlight = insert;
  };
  for await (const chunk of pull(chunks, target, signal)) {
    await hashInSteps(hash, chunk);
    bytes += chunk.byteLength;
    let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (rest.byteLength > 0) {
      const take = Math.min(size - gathered, rest.byteLength);
      parts.push(rest.subarray(0, take));
      gathered += take;
      rest = rest.subarray(take);
      if (gathered === size) await flush();
    }
  }
  if (gathered > 0) await flush();
  await inFlight;
  return { bytes, rows, sha256: hash.digest() };
}

/** Bytes hashed per step: hashing runs on the caller's thread, so big chunks are hashed in steps. */
const HASH_STEP_BYTES = 64 * 1024;

/**
 * Feeds `chunk` to `hash` in steps of {@link HASH_STEP_BYTES}, yielding to the event loop between
 * them: SHA-256 of a 1 MiB codec chunk in one go would hold the owner's loop for milliseconds.
 */
async function hashInSteps(hash: ReturnType<typeof createHash>, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.byteLength; at += HASH_STEP_BYTES) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    hash.update(chunk.subarray(at, at + HASH_STEP_BYTES));
  }
}

/**
 * Pulls the chunks of a sync or async source, stopping at an abort (also while an async source
 * waits) and reporting a failing source as a `PersistenceError` with its error as `cause`.
 */
async function* pull(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  target: TargetId,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const asyncSource = source as AsyncIterable<Uint8Array>;
  const iterator =
    typeof asyncSource[Symbol.asyncIterator] === "function"
      ? asyncSource[Symbol.asyncIterator]()
      : toAsync((source as Iterable<Uint8Array>)[Symbol.iterator]());
  let done = false;
  let index = 0;
  try {
    while (true) {
      if (signal?.aborted) throw abortedError(target, "write");
      let step: IteratorResult<Uint8Array>;
      try {
        step = await raceAbort(Promise.resolve(iterator.next()), signal, () =>
          abortedError(target, "write"),
        );
      } catch (error) {
        if (signal?.aborted) throw abortedError(target, "write");
        done = true;
        throw toSourceError(error, target);
      }
      if (step.done === true) {
        done = true;
        return;
      }
      if (!(step.value instanceof Uint8Array)) {
        throw new PersistenceError(
          "ERR_ENCODE",
          `chunk ${index} written to ${JSON.stringify(target)} is not a Uint8Array`,
          { stage: "encode", target, details: { reason: "not-bytes", index } },
        );
      }
      index += 1;
      if (step.value.byteLength > 0) yield step.value;
    }
  } finally {
    // An abandoned source must be told to clean up; its own failure to do so is not ours.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function toAsync(iterator: Iterator<Uint8Array>): AsyncIterator<Uint8Array> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}

function toSourceError(error: unknown, target: TargetId): PersistenceError {
  if (isPersistenceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PersistenceError(
    "ERR_IO",
    `chunk source of ${JSON.stringify(target)} failed: ${message}`,
    { stage: "write", target, cause: error },
  );
}

interface ReadRow {
  size: string | null;
  chunks: number | null;
  sha256: Buffer | null;
  seq: number | null;
  data: Buffer | null;
}

/** Reads head and chunks in one statement (one MVCC snapshot) and checks size and SHA-256. */
async function readSnapshot(
  pool: pg.Pool,
  n: ResolvedNames,
  target: TargetId,
  from: "primary" | "backup",
): Promise<Uint8Array> {
  const column = from === "backup" ? "prev_" : "";
  let result: pg.QueryResult<ReadRow>;
  try {
    result = await pool.query<ReadRow>(
      `SELECT h.${column}size AS size, h.${column}chunks AS chunks, h.${column}sha256 AS sha256,
              c.seq, c.data
         FROM ${n.head} h LEFT JOIN ${n.chunk} c ON c.version = h.${column}version
        WHERE h.target = $1 AND h.${column}version IS NOT NULL
        ORDER BY c.seq`,
      [target],
    );
  } catch (error) {
    throw toSinkError(error, { stage: undefined, target });
  }
  const first = result.rows[0];
  if (first === undefined) {
    const what = from === "backup" ? "no backup of" : "no such target";
    throw new PersistenceError("ERR_NOT_FOUND", `${what} ${JSON.stringify(target)}`, {
      target,
      details: { from },
    });
  }
  const size = Number(first.size);
  const parts = result.rows.filter((row) => row.data !== null).map((row) => row.data as Buffer);
  const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  const digest = createHash("sha256").update(bytes).digest();
  if (
    bytes.byteLength !== size ||
    parts.length !== first.chunks ||
    first.sha256 === null ||
    !digest.equals(first.sha256)
  ) {
    throw new PersistenceError(
      "ERR_CORRUPT",
      `stored ${from} of ${JSON.stringify(target)} does not match its head row (size ${size}, ${first.chunks} rows; read ${bytes.byteLength} bytes in ${parts.length} rows)`,
      {
        target,
        details: { offset: Math.min(bytes.byteLength, size), reason: "checksum", from },
      },
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Moves the primary into the quarantine table (its chunk rows stay, referenced from there) and
 * clears the head's pointer; the fence and the backup stay in place.
 */
async function quarantineHead(
  pool: pg.Pool,
  n: ResolvedNames,
  target: TargetId,
  reason: string,
): Promise<string> {
  let client: pg.PoolClient | undefined;
  let broken = false;
  try {
    client = await pool.connect();
    await client.query("BEGIN");
    const moved = await client.query<{ id: string }>(
      `WITH q AS (
         INSERT INTO ${n.quarantine} (target, reason, epoch, generation, version, size, chunks, sha256)
         SELECT target, $2, epoch, generation, version, size, chunks, sha256
           FROM ${n.head} WHERE target = $1 AND version IS NOT NULL
         RETURNING id
       ), cleared AS (
         UPDATE ${n.head} SET version = NULL, size = NULL, chunks = NULL, sha256 = NULL
          WHERE target = $1 AND version IS NOT NULL
       )
       SELECT id FROM q`,
      [target, reason],
    );
    const id = moved.rows[0]?.id;
    if (id === undefined) {
      await client.query("ROLLBACK");
      throw new PersistenceError(
        "ERR_NOT_FOUND",
        `cannot quarantine ${JSON.stringify(target)}: no such target`,
        { target, details: { from: "primary" } },
      );
    }
    await client.query("COMMIT");
    return `postgres:${n.schema}.${n.table}_quarantine/${id}`;
  } catch (error) {
    broken = !isPersistenceError(error);
    throw toSinkError(error, { stage: "rename", target });
  } finally {
    client?.release(broken ? true : undefined);
  }
}
