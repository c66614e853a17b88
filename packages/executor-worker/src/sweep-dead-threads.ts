import type { Sink } from "@snapwrite/core";
import { MAX_DEAD_THREADS } from "./dead-threads.js";

/** A sink with a sweep that takes `{ deadThreads }`, as `@snapwrite/sink-fs`'s does. */
interface SweepingSink {
  sweep(options: { readonly deadThreads: readonly number[] }): unknown;
}

/**
 * The dead thread ids the owner handed to this worker (`workerData`), keeping only what can be a
 * thread id: a worker started by another copy of the package may send none. Internal.
 */
export function deadThreadsOf(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const ids = value.filter(
    (id): id is number => typeof id === "number" && Number.isSafeInteger(id) && id >= 0,
  );
  return ids.slice(-MAX_DEAD_THREADS);
}

/**
 * Lets `sink` remove the temp files that earlier workers of this replica left when they died in
 * the middle of a write, by calling its `sweep({ deadThreads })` when it has one (duck-typed:
 * `@snapwrite/sink-fs`'s sink has). Housekeeping only: whatever the sweep throws or rejects with
 * is swallowed. Internal.
 */
export async function sweepDeadThreads(sink: Sink, deadThreads: readonly number[]): Promise<void> {
  if (deadThreads.length === 0) return;
  const sweep = (sink as Partial<SweepingSink>).sweep;
  if (typeof sweep !== "function") return;
  try {
    await sweep.call(sink, { deadThreads });
  } catch {
    // A sweep that fails leaves the files for the next worker's sweep; the replica works on.
  }
}
