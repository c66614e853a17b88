/**
 * Most write attempts that share one abort signal. A sink or runner may add an `abort` listener
 * per write (the repo's sinks and runners add at most two); four attempts at two each stay below
 * the ten listeners past which Node warns about a possible leak.
 */
export const ATTEMPTS_PER_SIGNAL = 4;

/**
 * The abort signals of a writer's write attempts, which the close deadline aborts
 * ({@link abortRunning}); nothing else aborts them. Attempts started one after another share a
 * controller, up to {@link ATTEMPTS_PER_SIGNAL} of them: an `AbortSignal` costs a few µs to make and
 * more to collect, a large part of the writer's own work per write. Each attempt's signal is
 * aborted when the deadline passes while it runs, as with a signal of its own; a signal that
 * outlives its attempt (a sink that keeps it after its write settled) may also be aborted then,
 * when an attempt it was shared with still runs. Internal.
 */
export class AttemptSignals {
  private current: AbortController | undefined = undefined;
  /** Attempts given `current` so far. */
  private given = 0;
  /** The controllers with attempts running, with how many. */
  private readonly running = new Map<AbortController, number>();

  /** The controller of an attempt that starts now; hand it back with {@link done}. */
  take(): AbortController {
    let controller = this.current;
    if (controller === undefined || this.given >= ATTEMPTS_PER_SIGNAL) {
      controller = new AbortController();
      this.current = controller;
      this.given = 0;
    }
    this.given++;
    this.running.set(controller, (this.running.get(controller) ?? 0) + 1);
    return controller;
  }

  /** The attempt that took `controller` ended. */
  done(controller: AbortController): void {
    const left = (this.running.get(controller) ?? 1) - 1;
    if (left > 0) this.running.set(controller, left);
    else this.running.delete(controller);
  }

  /** Aborts the signals of the attempts running now; later attempts get fresh ones. */
  abortRunning(reason: unknown): void {
    this.current = undefined;
    for (const controller of [...this.running.keys()]) controller.abort(reason);
  }
}
