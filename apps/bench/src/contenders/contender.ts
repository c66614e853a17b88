import type { BenchFormat } from "../bench-format.js";
import type { FsCounts } from "../fs-counters.js";

/** Urgency of one save call; only snapwrite distinguishes them, the others always write. */
export type SaveUrgency = "immediate" | "debounced";

/** What a contender is opened with for one run. */
export interface SessionContext<T> {
  /** Temp directory of this run (empty at start). */
  readonly dir: string;
  /** File name of the saved state inside `dir`. */
  readonly target: string;
  /** How the state becomes bytes. */
  readonly format: BenchFormat<T>;
  /** The state before the first save (what the app loaded at start), for contenders that keep a replica. */
  readonly initial?: (() => T) | undefined;
  /** Scheduling of the periodic workload: snapwrite's debounce window and maximum delay. */
  readonly schedule?: { readonly debounceMs: number; readonly maxDelayMs: number } | undefined;
}

/** One contender opened for one run. */
export interface SaveSession<T> {
  /**
   * The owner's call: "this state should be saved". `current` returns the state now; synchronous
   * savers call it at once, snapwrite calls it when its write fires. `changed` lists the items the
   * owner replaced since its previous call (the mutating workload), for replica-based savers.
   */
  save(current: () => T, urgency: SaveUrgency, changed?: readonly unknown[]): void;
  /** Resolves once everything saved so far is stored; rejects when a save failed. */
  settle(): Promise<void>;
  /** Reads the stored bytes back. */
  readBack(): Promise<Uint8Array>;
  /** Releases the contender's resources. */
  close(): Promise<void>;
  /** What the contender itself reported about its writes (snapwrite's `WriteResult` timings). */
  reported?(): WriterReport;
  /** File-system activity in other threads (a replica worker) since the session opened. */
  io?(): FsCounts;
  /**
   * A replica worker's own memory: the largest JS heap used + external bytes of its thread, in
   * bytes, sampled after each of its writes (garbage not yet collected included).
   */
  workerMemoryBytes?(): number;
  /**
   * The same measure for an idle worker of the same module (empty replica, one save), measured by
   * `close()` once this session's worker has stopped: the thread's own floor, in bytes
   * (`undefined` before `close()`).
   */
  workerFloorBytes?(): number | undefined;
}

/** Sums over the write results a snapwrite writer reported during one run. */
export interface WriterReport {
  /** Results reported (successes and failures). */
  readonly results: number;
  /** Failed results. */
  readonly failures: number;
  /** Summed `timings.snapshotMs`. */
  readonly snapshotMs: number;
  /** Summed `timings.encodeMs` (time inside the codec's generator). */
  readonly encodeMs: number;
  /** Summed `timings.writeMs` (the sink's write, including the encoding it pulled). */
  readonly writeMs: number;
  /** Summed `timings.totalMs`. */
  readonly totalMs: number;
}

/** A way of saving state that the bench compares. */
export interface Contender {
  /** Stable id used in results: `"naive-sync"`, `"snapwrite-sliced-fs"`. */
  readonly id: string;
  /** Whether it wants a save call on every change (coalescing schedulers) or on a timer. */
  readonly savesEveryChange: boolean;
  /** False for the control run that stores nothing (its final state is not checked). Default true. */
  readonly stores?: boolean | undefined;
  /** The formats it can write (`undefined`: all). */
  readonly formats?: readonly string[] | undefined;
  /** Why it cannot run here, when it cannot. */
  readonly unavailable?: string | undefined;
  /** Opens it for one run. */
  open<T>(context: SessionContext<T>): Promise<SaveSession<T>>;
}
