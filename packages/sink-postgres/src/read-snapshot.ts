import { createHash } from "node:crypto";
import { PersistenceError, type TargetId } from "@snapwrite/core";
import type pg from "pg";
import { type Connector, checkOut, queryOnce } from "./checkout.js";
import { toSinkError } from "./pg-error.js";
import type { ResolvedNames } from "./schema-sql.js";

interface ReadRow {
  version: string;
  size: string | null;
  chunks: number | null;
  sha256: Buffer | null;
  seq: number | null;
  /** `octet_length` of the row's data. */
  length: number | null;
  /** The row's data, or `null` when it is longer than {@link SLICE_BYTES} (read in slices then). */
  data: Buffer | null;
}

/**
 * The most bytes of one chunk row read by one statement. `bytea` arrives as hex text, two
 * characters a byte, and one message must fit a JavaScript string (about 512 Mi characters): a
 * row near the largest `chunkBytes` (256 MiB) read whole would crash the process inside `pg`.
 */
export const SLICE_BYTES = 32 * 1024 * 1024;

/**
 * Reads head and chunks and checks size and SHA-256; a mismatch is `ERR_CORRUPT` naming the version
 * read (`details.version`). Rows up to {@link SLICE_BYTES} come in the one statement that reads the
 * head (one MVCC snapshot); when a row is longer, everything is read again inside one
 * `REPEATABLE READ` transaction (one snapshot too), the long rows in slices of that size.
 */
export async function readSnapshot(
  pool: Connector,
  n: ResolvedNames,
  target: TargetId,
  from: "primary" | "backup",
): Promise<Uint8Array> {
  const sql = readSql(n, from);
  let rows: ReadRow[];
  try {
    rows = (await queryOnce<ReadRow>(pool, sql, [target])).rows;
    if (rows.some(isLong)) rows = await readInSlices(pool, n, sql, target);
  } catch (error) {
    throw toSinkError(error, { stage: undefined, target });
  }
  return checked(rows, target, from);
}

function readSql(n: ResolvedNames, from: "primary" | "backup"): string {
  const column = from === "backup" ? "prev_" : "";
  return `SELECT h.${column}version AS version, h.${column}size AS size, h.${column}chunks AS chunks, h.${column}sha256 AS sha256,
              c.seq, octet_length(c.data) AS length,
              CASE WHEN octet_length(c.data) <= ${SLICE_BYTES} THEN c.data END AS data
         FROM ${n.head} h LEFT JOIN ${n.chunk} c ON c.version = h.${column}version
        WHERE h.target = $1 AND h.${column}version IS NOT NULL
        ORDER BY c.seq`;
}

function isLong(row: ReadRow): boolean {
  return row.data === null && row.length !== null;
}

async function readInSlices(
  pool: Connector,
  n: ResolvedNames,
  sql: string,
  target: TargetId,
): Promise<ReadRow[]> {
  const { client, release } = await checkOut(pool);
  let broken: unknown;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const rows = (await client.query<ReadRow>(sql, [target])).rows;
    for (const row of rows) {
      if (isLong(row)) row.data = await readLongRow(client, n, row);
    }
    await client.query("COMMIT");
    return rows;
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    release(broken !== undefined);
  }
}

async function readLongRow(client: pg.PoolClient, n: ResolvedNames, row: ReadRow): Promise<Buffer> {
  const length = row.length as number;
  const data = Buffer.allocUnsafe(length);
  let at = 0;
  while (at < length) {
    const slice = await client.query<{ data: Buffer | null }>(
      `SELECT substring(data FROM $3 FOR $4) AS data FROM ${n.chunk} WHERE version = $1 AND seq = $2`,
      [row.version, row.seq, at + 1, SLICE_BYTES],
    );
    const part = slice.rows[0]?.data;
    // Cannot happen inside the snapshot; stop short and let the size check report it.
    if (part === undefined || part === null || part.byteLength === 0) return data.subarray(0, at);
    part.copy(data, at);
    at += part.byteLength;
  }
  return data;
}

function checked(rows: ReadRow[], target: TargetId, from: "primary" | "backup"): Uint8Array {
  const first = rows[0];
  if (first === undefined) {
    const what = from === "backup" ? "no backup of" : "no such target";
    throw new PersistenceError("ERR_NOT_FOUND", `${what} ${JSON.stringify(target)}`, {
      target,
      details: { from },
    });
  }
  const size = Number(first.size);
  const parts = rows.filter((row) => row.data !== null).map((row) => row.data as Buffer);
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
        // The version read: a quarantine passes it back so that only this very version is moved.
        details: {
          offset: Math.min(bytes.byteLength, size),
          reason: "checksum",
          from,
          version: String(first.version),
        },
      },
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
