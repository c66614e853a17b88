import type pg from "pg";
import { checkOut } from "./checkout.js";
import type { PostgresDurability, SynchronousCommit } from "./postgres-sink-options.js";
import { type ResolvedNames, schemaSql } from "./schema-sql.js";

/**
 * Creates what is missing of the schema. When the catalog shows everything in place (the usual
 * open), nothing else runs: no DDL, no lock on any table, so an open never waits for the writes in
 * flight nor holds up new ones. Otherwise the DDL runs in one transaction under advisory locks on
 * the schema and on the table (several instances opening at once, with the same table or other
 * tables in the same schema, must not race on `CREATE … IF NOT EXISTS`, which can fail with a
 * unique violation when they do), with the server's `statement_timeout` at `timeoutMs`: an
 * open that gave up (`openTimeoutMs`) does not leave its statement queued for a lock on the server.
 */
export async function migrate(
  pool: pg.Pool,
  names: ResolvedNames,
  timeoutMs: number,
): Promise<void> {
  const { client, release } = await checkOut(pool);
  let broken: unknown;
  try {
    if (await schemaReady(client, names)) return;
    await client.query(
      `BEGIN; SET LOCAL statement_timeout = ${timeoutMs}; ${migrationLocks(names)}\n${schemaSql(names)}COMMIT;`,
    );
  } catch (error) {
    broken = error;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    release(broken !== undefined);
  }
}

/**
 * The advisory locks a migration holds until its transaction ends, always taken in this order: the
 * schema's (sinks with other tables in the same schema create that schema too, and two concurrent
 * `CREATE SCHEMA IF NOT EXISTS` fail one of them with a unique violation on the catalog), then the
 * table's (the lock earlier releases took, so they are kept out too).
 */
function migrationLocks(names: ResolvedNames): string {
  return `SELECT pg_advisory_xact_lock(hashtext('snapwrite-migrate-schema:${names.schema}')); SELECT pg_advisory_xact_lock(hashtext('snapwrite-migrate:${names.schema}.${names.table}'));`;
}

/**
 * Whether every object of `schemaSql` is there in its current shape, read from the catalog only
 * (`to_regclass` takes no lock).
 */
async function schemaReady(client: pg.PoolClient, n: ResolvedNames): Promise<boolean> {
  const result = await client.query<{ ready: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL
        AND to_regclass($3) IS NOT NULL AND to_regclass($6) IS NOT NULL
        AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($4)
                     AND attname = 'data' AND attstorage = 'e')
        AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($5)
                     AND attname = 'sha256' AND NOT attnotnull) AS ready`,
    [n.epochSeq, n.versionSeq, n.head, n.chunk, n.quarantine, n.chunkIndex],
  );
  return result.rows[0]?.ready === true;
}

/** Draws a new owner epoch from the `<table>_epoch` sequence. Internal. */
export async function drawEpoch(pool: pg.Pool, names: ResolvedNames): Promise<number> {
  const result = await pool.query<{ epoch: string }>(
    `SELECT nextval('${names.epochSeq}') AS epoch`,
  );
  return Number(result.rows[0]?.epoch);
}

/** How far a commit at `level` survives on this server. Internal. */
export async function readDurability(
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
