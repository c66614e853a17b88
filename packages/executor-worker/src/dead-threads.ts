import type { Worker } from "node:worker_threads";

/** How many thread ids of exited workers a replica keeps (the newest ones). */
export const MAX_DEAD_THREADS = 64;

/**
 * The `threadId`s of a replica's worker threads that have exited (crash, `process.exit`, OOM,
 * `terminate()`), the last {@link MAX_DEAD_THREADS} of them. Node never reuses a thread id within a
 * process, so an id here names a thread that is gone for good: its sink's temp files are orphans.
 * Each new worker of the replica gets the list (see `sweepDeadThreads`). Internal.
 */
export class DeadThreads {
  readonly #ids: number[] = [];

  /** Records `thread`'s id once it exits; the id is read now, as a thread that exited reports -1. */
  watch(thread: Worker): void {
    const id = thread.threadId;
    thread.once("exit", () => this.add(id));
  }

  add(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0 || this.#ids.includes(id)) return;
    this.#ids.push(id);
    if (this.#ids.length > MAX_DEAD_THREADS) this.#ids.shift();
  }

  /** The recorded ids, oldest first (a copy). */
  list(): number[] {
    return [...this.#ids];
  }
}
