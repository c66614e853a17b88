import type pg from "pg";
import type { Connector } from "./checkout.js";

/**
 * The sink's way to a pooled connection, which knows every call still waiting for one. `pg-pool`
 * serves its queue only while it is not ending: once `close()` ended the pool at its deadline, a
 * call still queued would never settle. {@link ConnectionWaiters.fail} rejects those calls (and
 * every later one) at once; a connection that still arrives for one goes back, discarded. Internal.
 */
export class ConnectionWaiters implements Connector {
  readonly #pool: pg.Pool;
  readonly #waiting = new Set<(error: unknown) => void>();
  #failure: (() => unknown) | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  connect(): Promise<pg.PoolClient> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure());
    const connecting = this.#pool.connect();
    return new Promise<pg.PoolClient>((resolve, reject) => {
      const fail = (error: unknown): void => {
        this.#waiting.delete(fail);
        reject(error);
      };
      this.#waiting.add(fail);
      connecting.then(
        (client) => {
          if (this.#waiting.delete(fail)) resolve(client);
          else client.release(true);
        },
        (error: unknown) => {
          if (this.#waiting.delete(fail)) reject(error);
        },
      );
    });
  }

  /** Rejects every call waiting for a connection, and every later one, with `error()`; returns how many waited. */
  fail(error: () => unknown): number {
    this.#failure ??= error;
    const waiting = [...this.#waiting];
    for (const fail of waiting) fail(error());
    return waiting.length;
  }
}
