import type pg from "pg";

interface Socket {
  readonly destroyed?: boolean;
  destroy(): void;
  once(event: "close", listener: () => void): unknown;
}

interface ClientInternals {
  readonly connection?: { readonly stream?: Socket };
}

interface PoolInternals {
  readonly _clients?: ReadonlyArray<ClientInternals>;
}

/** The connections of a pool the sink owns, until their sockets have closed. Internal. */
export interface OwnedConnections {
  /**
   * Ends the pool, then waits until every connection's socket has closed. `pg-pool`'s `end()`
   * resolves as soon as it asked its idle connections to end, before their sockets close: against
   * a frozen server, which never answers the goodbye, those stay open and keep the process alive.
   * Idempotent: later calls return the first call's promise.
   */
  end(): Promise<void>;
  /**
   * Ends the pool (so that it opens no new connection for a call still queued, as it would to
   * replace a destroyed one), then destroys the socket of every connection not closed yet (idle,
   * checked out, connecting, ending).
   */
  destroy(): number;
}

/**
 * Follows every connection of `pool` from its `"connect"` event until its socket's `"close"`,
 * besides those `pg-pool` still lists (one that is still connecting is only there).
 */
export function ownConnections(pool: pg.Pool): OwnedConnections {
  const open = new Set<Socket>();
  let onDrained: (() => void) | undefined;
  const track = (client: unknown): void => {
    const stream = (client as ClientInternals).connection?.stream;
    if (stream === undefined || stream.destroyed === true || open.has(stream)) return;
    open.add(stream);
    stream.once("close", () => {
      open.delete(stream);
      if (open.size === 0) onDrained?.();
    });
  };
  pool.on("connect", track);
  const sockets = (): Set<Socket> => {
    const all = new Set(open);
    for (const client of (pool as unknown as PoolInternals)._clients ?? []) {
      const stream = client.connection?.stream;
      if (stream !== undefined) all.add(stream);
    }
    return all;
  };
  let ending: Promise<void> | undefined;
  const endOnce = async (): Promise<void> => {
    await pool.end();
    if (open.size === 0) return;
    await new Promise<void>((resolve) => {
      onDrained = resolve;
    });
  };
  const end = (): Promise<void> => {
    ending ??= endOnce();
    return ending;
  };
  return {
    end,
    destroy() {
      end().catch(() => undefined);
      let destroyed = 0;
      for (const stream of sockets()) {
        if (stream.destroyed === true) continue;
        stream.destroy();
        destroyed++;
      }
      return destroyed;
    },
  };
}
