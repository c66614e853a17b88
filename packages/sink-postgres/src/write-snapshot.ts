import type { SinkWriteOptions, SinkWriteResult } from "@snapwrite/core";
import { raceAbort } from "@snapwrite/core/sink-kit";
import type pg from "pg";
import { insertChunks } from "./insert-chunks.js";
import { statementFailure, toSinkError } from "./pg-error.js";
import { publishSql } from "./schema-sql.js";
import { abortedError, type Progress, staleError, type WriteContext } from "./write-context.js";

/**
 * One write, on one pooled connection, in one transaction. An abort destroys the connection (the
 * server rolls back; `pg` has no cancel for a statement that is still being sent), so a write can
 * never outlive its signal by more than a round trip.
 */
export async function writeSnapshot(
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
  // The first error the connection emits: the server's reason when its session ends (a second
  // one, "Connection terminated unexpectedly", follows as the socket closes).
  let broken: unknown;
  const onClientError = (error: unknown): void => {
    broken ??= error;
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
    const { stage } = progress;
    // The chunk INSERTs ("write") and the head upsert ("rename") store the target in an index.
    const indexesTarget = stage === "write" || stage === "rename";
    // Without a statement_timeout of its own, a 57014 is a cancel: transient, in any language.
    const statementTimeout = context.settings.statementTimeoutMs > 0;
    const failure = statementFailure(error, broken);
    throw toSinkError(failure, { stage, target, signal, indexesTarget, statementTimeout });
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
