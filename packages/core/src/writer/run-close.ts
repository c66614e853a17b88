import type { TargetRunner } from "../attempt/target-runner.js";
import { toPersistenceError } from "../errors/os-error.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { CloseDeadline } from "./close-deadline.js";
import type { CoalescingScheduler } from "./scheduler/coalescing-scheduler.js";
import { buildShutdownReport, type ShutdownReport } from "./shutdown-report.js";
import type { TargetRegistry } from "./target-registry.js";
import type { WriterHost } from "./writer-host.js";

/**
 * The body of `close()` once the writer is marked closing: writes what is unsaved within
 * `timeoutMs`, aborts what still runs when the deadline passes, settles every open ticket, closes
 * the runners and emits `closed`. Internal.
 */
export async function runClose(
  host: WriterHost,
  registry: TargetRegistry,
  timeoutMs: number,
): Promise<ShutdownReport> {
  const clock = host.clock;
  const startedAt = clock.now();
  const all = [...registry.schedulers.values()];
  const deadline = new CloseDeadline(
    clock,
    () => stopAtDeadline(host),
    () => host.limiter.stop(),
  );
  for (const scheduler of all) scheduler.cancelTimers();
  for (const scheduler of all) scheduler.closer.begin();
  // The deadline counts from the call: cancelling thousands of timers took part of it already.
  deadline.start(Math.max(0, timeoutMs - (clock.now() - startedAt)));
  // A few close loops walk the targets in registration order instead of one loop per target:
  // writes run `concurrency` at a time anyway, and 10,000 loops waiting for a slot would cost
  // their allocations (and the garbage collector's time) before the first write and again at the
  // deadline. Spare loops keep the slots busy while some targets sleep in a retry backoff.
  const loops = Math.min(all.length, Math.max(16, host.limiter.limit * 4));
  await Promise.race([closeTargets(all, deadline, loops), deadline.deadline]);
  deadline.end();
  const lines = withoutStackTraces(() => all.map((scheduler) => scheduler.closer.finish()));
  if (registry.runners.size > 0) {
    // The writer owns the runners registered with it: nothing can save through them any more.
    // They get what is left of the deadline to release what they hold (a worker closes its sink).
    const left = deadline.passed() ? 0 : Math.max(0, timeoutMs - (clock.now() - startedAt));
    await Promise.all([...registry.runners].map((runner) => closeRunner(runner, left)));
  }
  const report = buildShutdownReport(clock.now() - startedAt, lines);
  host.emit("closed", undefined, undefined, undefined);
  return report;
}

/** What `close()` resolves with when {@link runClose} threw. Internal. */
export function closeFallback(registry: TargetRegistry, error: unknown): ShutdownReport {
  // Only reachable through a bug or a throwing clock: still resolve, and say what is unknown.
  const cause = toPersistenceError(error, { stage: "close" });
  return buildShutdownReport(
    0,
    [...registry.schedulers.values()].map((scheduler) => ({
      target: scheduler.target,
      outcome: scheduler.unsaved ? "failed" : "clean",
      generation: scheduler.pendingGeneration,
      error: scheduler.unsaved ? cause : undefined,
    })),
  );
}

/** Runs the targets' close loops, `loops` at a time, until all ran or the deadline passed. */
function closeTargets(
  all: readonly CoalescingScheduler[],
  deadline: CloseDeadline,
  loops: number,
): Promise<unknown> {
  let next = 0;
  const closeLoop = async (): Promise<void> => {
    // Past a zero deadline the loops still wait for the writes running (they start none): one
    // whose sink already returned is written, not timed out.
    while (next < all.length && !deadline.reached()) {
      const scheduler = all[next++] as CoalescingScheduler;
      await scheduler.closer.run(deadline).catch(() => {
        // An unexpected bug in one target's close must not block the others; it reports timed-out.
      });
    }
  };
  return Promise.all(Array.from({ length: loops }, closeLoop));
}

/**
 * What happens the moment the close deadline passes, in work bounded by the writes running then
 * (never by the number of targets): no write starts any more (the queue of waiting starts is
 * dropped at once), results of attempts ending from now on reach `onResult` and listeners in
 * batches on later event-loop turns, and the running writes are aborted.
 */
function stopAtDeadline(host: WriterHost): void {
  host.limiter.stop();
  host.deferDeliveries();
  // No stage on purpose: a sink that rethrows the reason reports the stage it was in.
  const reason = new PersistenceError("ERR_ABORTED", "write aborted: close() deadline passed");
  host.signals.abortRunning(reason);
}

/**
 * Runs `fn` with V8's stack capture off. The errors `close()` builds for timed-out and skipped
 * targets all come from the same timer callback, so their stacks say nothing; capturing them for
 * 10,000 targets would cost hundreds of ms past the deadline.
 */
function withoutStackTraces<R>(fn: () => R): R {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    // Frozen intrinsics: the stacks just cost their time.
    return fn();
  }
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function closeRunner(runner: TargetRunner, timeoutMs: number): Promise<void> {
  try {
    await runner.close?.({ timeoutMs });
  } catch {
    // A runner that fails to release has nobody left to report to: the writer is closing.
  }
}
