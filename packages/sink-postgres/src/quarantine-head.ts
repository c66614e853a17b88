import { isPersistenceError, PersistenceError, type TargetId } from "@snapwrite/core";
import type pg from "pg";
import { type CheckedOut, checkOut } from "./checkout.js";
import { toSinkError } from "./pg-error.js";
import type { ResolvedNames } from "./schema-sql.js";

/**
 * Moves the primary into the quarantine table (its chunk rows stay, referenced from there) and
 * clears the head's pointer; the fence and the backup stay in place.
 */
export async function quarantineHead(
  pool: pg.Pool,
  n: ResolvedNames,
  target: TargetId,
  reason: string,
): Promise<string> {
  let checkedOut: CheckedOut | undefined;
  let broken = false;
  try {
    checkedOut = await checkOut(pool);
    const { client } = checkedOut;
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
    checkedOut?.release(broken);
  }
}
