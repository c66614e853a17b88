import type pg from "pg";

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
export async function checkOut(pool: pg.Pool): Promise<CheckedOut> {
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
