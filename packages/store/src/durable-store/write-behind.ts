import type { MutateTicket, StoreCommand } from "../durable-store-types.js";
import { failed, pendingResult } from "./entries.js";
import { noOpResult, type StoreCore } from "./store-core.js";

/**
 * Applies `command` to the visible state at once and queues its record in the outbox; a flush
 * journals the outbox later (debounced, at most `maxDelayMs` after the first unsaved change).
 */
export function mutate<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
  command: StoreCommand<S, Op>,
): MutateTicket {
  if (typeof command !== "function") throw new TypeError("mutate needs a command function");
  const refused = core.refusal();
  if (refused !== undefined) return { seq: null, settled: Promise.resolve(failed(refused)) };
  const state = core.visible.value;
  const prepared = core.prepare(state, command);
  if ("error" in prepared) {
    core.counters.commandErrors++;
    return { seq: null, settled: Promise.resolve(failed(prepared.error)) };
  }
  if (prepared.ops.length === 0) {
    return {
      seq: core.visible.seq,
      settled: Promise.resolve(noOpResult(core, core.clock.now())),
    };
  }
  const { settle, settled } = pendingResult();
  core.outbox.push({
    reason: String(reason),
    command,
    payload: prepared.payload,
    at: core.clock.now(),
    settle,
  });
  core.visible = Object.freeze({ value: prepared.next, seq: core.visible.seq + 1 });
  // The seq it is journaled at when the writes before it succeed: after the committed records,
  // those of a group being written, and the unsaved batches before it.
  const seq = core.committed.seq + core.inFlightRecords + core.outbox.length;
  core.emit({ type: "mutated", seq });
  scheduleFlush(core, false);
  return { seq, settled };
}

/**
 * (Re)arms the flush timer, which keeps the process alive; after a failure it backs off
 * exponentially up to `maxDelayMs`.
 */
export function scheduleFlush<S, Op>(core: StoreCore<S, Op>, afterFailure: boolean): void {
  if (core.closing !== undefined || core.closed) return;
  const { clock } = core;
  const now = clock.now();
  core.firstUnsavedAt ??= now;
  const { debounceMs, maxDelayMs } = core.policy;
  let delay = Math.max(0, Math.min(now + debounceMs, core.firstUnsavedAt + maxDelayMs) - now);
  if (afterFailure) {
    delay = Math.min(
      Math.max(maxDelayMs, 1),
      Math.max(debounceMs, 1) * 2 ** Math.min(core.flushFailures, 20),
    );
  }
  if (core.flushTimer !== undefined) clock.clearTimeout(core.flushTimer);
  core.flushTimer = clock.setTimeout(() => {
    core.flushTimer = undefined;
    if (core.outbox.length > 0 && core.closing === undefined) core.lane.enqueue({ kind: "flush" });
  }, delay);
  // Not unref'd: like a writer's pending save, unsaved changes keep the process alive until they
  // are written (the timer is stopped once the outbox is empty, see StoreCore.stopFlushTimer).
}
