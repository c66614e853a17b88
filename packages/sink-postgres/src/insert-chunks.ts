import { createHash } from "node:crypto";
import type pg from "pg";
import { pull } from "./pull-chunks.js";
import type { WriteContext } from "./write-context.js";

/** What {@link insertChunks} stored. Internal. */
export interface StoredChunks {
  readonly bytes: number;
  readonly rows: number;
  readonly sha256: Buffer;
}

/**
 * Streams the chunks into rows of `chunkBytes` as they arrive, keeping at most one row in flight
 * while the next one is being gathered: client memory depends on the row size, not the snapshot's.
 * Each row passes through three buffers of its size (the chunks gathered, their join, `pg`'s
 * message); with garbage not yet collected the README's measurement found about 4–5 rows.
 */
export async function insertChunks(
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
