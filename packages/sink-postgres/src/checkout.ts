import type pg from "pg";

/** Where connections come from: a `pg.Pool`, or the sink's {@link ConnectionWaiters} in front of it. */
export interface Connector {
  connect(): Promise<pg.PoolClient>;
}

/** A pooled connection checked out with an "error" listener, and how to give it back. */
export interface CheckedOut {
  readonly client: pg.PoolClient;
  /** The socket error the connection reported while checked out, if any. */
  readonly broken: () => unknown;
  /** Returns the connection to the pool, or destroys it when `discard` or when it reported an error. */
  readonly release: (discard: boolean) => void;
}

/**
 * Checks out a connection that cannot crash the process: `pg` emits "error" on a checked-out
 * client whose server connection ends (a terminated backend, a restart), and an "error" event with
 * no listener throws. The listener stays on a discarded connection, whose socket may still report.
 */
export async function checkOut(pool: Connector): Promise<CheckedOut> {
  const client = await pool.connect();
  let failure: unknown;
  const onError = (error: unknown): void => {
    failure ??= error;
  };
  client.on("error", onError);
  return {
    client,
    broken: () => failure,
    release: (discard) => {
      const destroy = discard || failure !== undefined;
      if (!destroy) client.off("error", onError);
      client.release(destroy ? true : undefined);
    },
  };
}

/**
 * One statement on a connection of its own, like `pool.query` (a connection whose statement failed
 * is discarded), but through `connector`.
 */
export async function queryOnce<R extends pg.QueryResultRow>(
  connector: Connector,
  sql: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  const { client, release } = await checkOut(connector);
  let failed = false;
  try {
    return await client.query<R>(sql, values);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    release(failed);
  }
}
