import type pg from "pg";

/** The listener every guarded pool and client carries; one function, so it is added once. */
const ignoreError = (): void => undefined;

interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listeners(event: string): unknown[];
}

function isEmitter(value: unknown): value is Emitter {
  const candidate = value as Partial<Emitter> | null;
  return (
    typeof candidate?.on === "function" &&
    typeof candidate.off === "function" &&
    typeof candidate.listeners === "function"
  );
}

function guardClient(client: pg.PoolClient): void {
  if (!isEmitter(client)) return;
  if (!client.listeners("error").includes(ignoreError)) client.on("error", ignoreError);
}

/**
 * Makes sure no connection of `pool` can crash the process with an unhandled "error" event.
 * `pg-pool` takes its own listener off a client as it hands it out, and the code after
 * `await pool.connect()` runs a microtask later: a server message ending the session in the same
 * socket read (`57P01` from `pg_terminate_backend`) is emitted in between. The pool's "connect"
 * event (a new client, before it is handed out) and "acquire" event (every checkout, also of
 * clients created before the sink opened) add a no-op listener that stays on the client; the
 * pool gets one for idle clients. The failure itself still reaches the code using the client, as
 * the rejection of its next query. Returns the function that takes the pool's listeners off again.
 */
export function guardPool(pool: pg.Pool): () => void {
  if (!isEmitter(pool)) return () => undefined;
  pool.on("error", ignoreError);
  pool.on("connect", guardClient);
  pool.on("acquire", guardClient);
  return () => {
    pool.off("error", ignoreError);
    pool.off("connect", guardClient);
    pool.off("acquire", guardClient);
  };
}
