import { createHash } from "node:crypto";
import { isPersistenceError, PersistenceError, type TargetId } from "@snapwrite/core";
import type { SinkQuarantineNowOptions } from "@snapwrite/core/sink-kit";
import { type CheckedOut, type Connector, checkOut } from "./checkout.js";
import { toSinkError } from "./pg-error.js";
import type { ResolvedNames } from "./schema-sql.js";

interface HeadRow {
  version: string | null;
  size: string | null;
  sha256: Buffer | null;
}

/**
 * Moves the primary into the quarantine table (its chunk rows stay, referenced from there) and
 * clears the head's pointer; the fence and the backup stay in place. With `expected` (the bytes
 * that failed to decode) or `expectedVersion` (the version a read found corrupt), the head row is
 * locked (`FOR UPDATE`) and compared first, in the transaction that moves it: when another write,
 * from this process or any other, published a newer version since the read, nothing is moved and
 * the quarantine rejects with `ERR_STALE` (`details.reason: "changed"`).
 */
export async function quarantineHead(
  pool: Connector,
  n: ResolvedNames,
  target: TargetId,
  reason: string,
  expectation: SinkQuarantineNowOptions = {},
): Promise<string> {
  let checkedOut: CheckedOut | undefined;
  let broken = false;
  try {
    checkedOut = await checkOut(pool);
    const { client } = checkedOut;
    await client.query("BEGIN");
    const locked = await client.query<HeadRow>(
      `SELECT version, size, sha256 FROM ${n.head} WHERE target = $1 FOR UPDATE`,
      [target],
    );
    const head = locked.rows[0];
    const problem = headProblem(target, head, expectation);
    if (problem !== undefined) {
      await client.query("ROLLBACK");
      throw problem;
    }
    const moved = await client.query<{ id: string }>(
      `WITH q AS (
         INSERT INTO ${n.quarantine} (target, reason, epoch, generation, version, size, chunks, sha256)
         SELECT target, $2, epoch, generation, version, size, chunks, sha256
           FROM ${n.head} WHERE target = $1 AND version = $3
         RETURNING id
       ), cleared AS (
         UPDATE ${n.head} SET version = NULL, size = NULL, chunks = NULL, sha256 = NULL
          WHERE target = $1 AND version = $3
       )
       SELECT id FROM q`,
      [target, reason, head?.version],
    );
    await client.query("COMMIT");
    return `postgres:${n.schema}.${n.table}_quarantine/${moved.rows[0]?.id}`;
  } catch (error) {
    broken = !isPersistenceError(error);
    throw toSinkError(error, { stage: "rename", target });
  } finally {
    checkedOut?.release(broken);
  }
}

/** Why the locked head row must not be moved: there is none, or it is not the expected version. */
function headProblem(
  target: TargetId,
  head: HeadRow | undefined,
  { expected, expectedVersion }: SinkQuarantineNowOptions,
): PersistenceError | undefined {
  const checked = expected !== undefined || expectedVersion !== undefined;
  if (head?.version == null) {
    if (checked) return changed(target);
    return new PersistenceError(
      "ERR_NOT_FOUND",
      `cannot quarantine ${JSON.stringify(target)}: no such target`,
      { target, details: { from: "primary" } },
    );
  }
  if (expectedVersion !== undefined && head.version !== expectedVersion) return changed(target);
  if (expected !== undefined && !holds(head, expected)) return changed(target);
  return undefined;
}

/** The head row describes exactly these bytes (size and SHA-256). */
function holds(head: HeadRow, expected: Uint8Array): boolean {
  if (head.sha256 === null || Number(head.size) !== expected.byteLength) return false;
  return createHash("sha256").update(expected).digest().equals(head.sha256);
}

function changed(target: TargetId): PersistenceError {
  return new PersistenceError(
    "ERR_STALE",
    `${JSON.stringify(target)} changed since it was read; the newer version is not quarantined`,
    { target, details: { reason: "changed" } },
  );
}
