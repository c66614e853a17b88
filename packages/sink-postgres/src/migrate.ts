import type pg from "pg";
import { checkOut } from "./checkout.js";
import type { PostgresDurability, SynchronousCommit } from "./postgres-sink-options.js";
import { type ResolvedNames, schemaSql } from "./schema-sql.js";

/**
 * Runs the DDL in one transaction under an advisory lock: several instances opening at once must
 * not race on `CREATE … IF NOT EXISTS` (which can fail with a unique violation when they do).
 */
export async function migrate(pool: pg.Pool, names: ResolvedNames): Promise<void> {
  const { client, release } = await checkOut(pool);
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
    release(broken !== undefined);
  }
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
