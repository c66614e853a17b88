import { PersistenceError } from "@snapwrite/core";
import type { OwnedConnections } from "./owned-connections.js";

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/**
 * Runs `close` and waits at most `timeoutMs` for it. When it is still waiting then (a frozen
 * server: a query, a connect or the goodbye of an idle connection that never gets an answer),
 * `owned.destroy()` runs: the sockets of the owned pool's connections are destroyed, which fails
 * what waited on them (the sink also fails the calls still queued for a connection then), and
 * `close` gets another `timeoutMs`. Resolves when `close` did; otherwise rejects with
 * `ERR_TIMEOUT`, saying how many connections it destroyed and whether the pool then ended
 * (`details.destroyed`, `details.ended`). `owned` is `undefined` for a pool the application passed.
 */
export async function closeWithin(
  close: () => Promise<void>,
  owned: Pick<OwnedConnections, "destroy"> | undefined,
  timeoutMs: number,
): Promise<void> {
  const closing = close();
  closing.catch(() => undefined);
  if (await settlesWithin(closing, timeoutMs)) return closing;
  const destroyed = owned?.destroy() ?? 0;
  const ended = await settlesWithin(closing, timeoutMs);
  throw new PersistenceError(
    "ERR_TIMEOUT",
    `close waited ${timeoutMs} ms for the server; destroyed ${destroyed} connection(s)${ended ? "; the pool then ended" : "; the pool has not ended"}`,
    { details: { destroyed, ended } },
  );
}

/**
 * `steps` (the open's statements), failed with `ERR_TIMEOUT` when they have not settled within
 * `timeoutMs`: the owned pool's connections are destroyed then, which fails the statements still
 * waiting on them. A pool the application passed is left as it is.
 */
export async function openWithin<T>(
  steps: Promise<T>,
  owned: OwnedConnections | undefined,
  timeoutMs: number,
): Promise<T> {
  steps.catch(() => undefined);
  if (await settlesWithin(steps, timeoutMs)) return steps;
  const destroyed = owned?.destroy() ?? 0;
  throw new PersistenceError(
    "ERR_TIMEOUT",
    `the open did not finish within ${timeoutMs} ms (openTimeoutMs): the server stopped answering, or another instance held the schema migration that long; destroyed ${destroyed} connection(s)`,
    { stage: "open", details: { openTimeoutMs: timeoutMs, destroyed } },
  );
}
