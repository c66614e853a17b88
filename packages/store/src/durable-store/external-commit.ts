import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import type { CommitResult, CommitTicket, StoreCommand } from "../durable-store-types.js";
import { type ExternalEntry, failed, pendingResult } from "./entries.js";
import { runGroup } from "./group-commit.js";
import { fallbackReload } from "./reload.js";
import { noOpResult, type StoreCore } from "./store-core.js";

export interface ExternalChangeRequest<S, Op> {
  readonly persist: () => Promise<void>;
  readonly ops: readonly Op[] | StoreCommand<S, Op>;
}

/** Queues a change the caller persists itself; the store then patches and journals its ops. */
export function commitExternal<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
  change: ExternalChangeRequest<S, Op>,
): CommitTicket {
  if (typeof change?.persist !== "function") {
    throw new TypeError("commitExternal needs a persist function");
  }
  if (typeof change.ops !== "function" && !Array.isArray(change.ops)) {
    throw new TypeError("commitExternal needs ops (an array or a command)");
  }
  const refused = core.refusal();
  if (refused !== undefined) return { settled: Promise.resolve(failed(refused)) };
  const { settle, settled } = pendingResult();
  core.lane.enqueue({
    kind: "external",
    reason: String(reason),
    persist: change.persist,
    ops: change.ops,
    at: core.clock.now(),
    settle,
  });
  return { settled };
}

/** Runs one external commit in the lane: the caller's write, then the read model's patch. */
export async function runExternal<S, Op>(
  core: StoreCore<S, Op>,
  entry: ExternalEntry<S, Op>,
): Promise<void> {
  if (core.readOnlyError !== undefined) {
    entry.settle(failed(core.readOnlyError));
    return;
  }
  try {
    await entry.persist();
  } catch (error) {
    core.counters.failedCommits++;
    entry.settle(failed(toPersistenceError(error, { stage: "write" })));
    return;
  }
  // The caller's write stands from here on; what follows only keeps the read model in step.
  const state = core.visible.value;
  const ops = entry.ops;
  const prepared = core.prepare(
    state,
    typeof ops === "function" ? (ops as StoreCommand<S, Op>) : () => ops as readonly Op[],
  );
  if ("error" in prepared) {
    await patchFailed(core, entry, prepared.error);
    return;
  }
  if (prepared.ops.length === 0) {
    core.counters.commits++;
    entry.settle(noOpResult(core, entry.at));
    return;
  }
  await runGroup(core, {
    settle: (result) => entry.settle(markPersisted(result)),
    at: entry.at,
    payload: prepared.payload,
    next: prepared.next,
  });
}

/** A failed journal write of an external change: the caller's write stands, so say so. */
function markPersisted(result: CommitResult): CommitResult {
  if (result.ok) return result;
  const error = new PersistenceError(result.error.code, result.error.message, {
    cause: result.error,
    stage: result.error.stage,
    details: { ...result.error.details, persisted: true },
  });
  return failed(error, result.committed);
}

/** The point patch did not apply: report the conflict and reload the read model. */
async function patchFailed<S, Op>(
  core: StoreCore<S, Op>,
  entry: ExternalEntry<S, Op>,
  error: PersistenceError,
): Promise<void> {
  const conflict = new PersistenceError(
    "ERR_CONFLICT",
    `the point patch of ${JSON.stringify(entry.reason)} does not apply: ${error.message}`,
    { cause: error.cause ?? error },
  );
  core.lastError = conflict;
  core.emit({ type: "patch-failed", reason: entry.reason, error: conflict });
  let reloaded = false;
  try {
    await fallbackReload(core, `patch-failed: ${entry.reason}`);
    reloaded = true;
  } catch {
    // Counted in health; the caller's commit stands either way.
  }
  core.counters.commits++;
  entry.settle(
    Object.freeze({ ...noOpResult(core, entry.at), patched: false, reloaded, error: conflict }),
  );
}
