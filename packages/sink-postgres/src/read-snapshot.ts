import { createHash } from "node:crypto";
import { PersistenceError, type TargetId } from "@snapwrite/core";
import type pg from "pg";
import { toSinkError } from "./pg-error.js";
import type { ResolvedNames } from "./schema-sql.js";

interface ReadRow {
  version: string;
  size: string | null;
  chunks: number | null;
  sha256: Buffer | null;
  seq: number | null;
  data: Buffer | null;
}

/**
 * Reads head and chunks in one statement (one MVCC snapshot) and checks size and SHA-256; a
 * mismatch is `ERR_CORRUPT` naming the version read (`details.version`).
 */
export async function readSnapshot(
  pool: pg.Pool,
  n: ResolvedNames,
  target: TargetId,
  from: "primary" | "backup",
): Promise<Uint8Array> {
  const column = from === "backup" ? "prev_" : "";
  let result: pg.QueryResult<ReadRow>;
  try {
    result = await pool.query<ReadRow>(
      `SELECT h.${column}version AS version, h.${column}size AS size, h.${column}chunks AS chunks, h.${column}sha256 AS sha256,
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
