import type { BenchFormat } from "../bench-format.js";

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
  /** Scheduling of the periodic workload: snapwrite's debounce window and maximum delay. */
  readonly schedule?: { readonly debounceMs: number; readonly maxDelayMs: number } | undefined;
}

/** One contender opened for one run. */
export interface SaveSession<T> {
  /**
   * The owner's call: "this state should be saved". `current` returns the state now; synchronous
   * savers call it at once, snapwrite calls it when its write fires.
   */
  save(current: () => T, urgency: SaveUrgency): void;
  /** Resolves once everything saved so far is stored; rejects when a save failed. */
  settle(): Promise<void>;
  /** Reads the stored bytes back. */
  readBack(): Promise<Uint8Array>;
  /** Releases the contender's resources. */
  close(): Promise<void>;
}

/** A way of saving state that the bench compares. */
export interface Contender {
  /** Stable id used in results: `"naive-sync"`, `"snapwrite-sliced-fs"`. */
  readonly id: string;
  /** Whether it wants a save call on every change (coalescing schedulers) or on a timer. */
  readonly savesEveryChange: boolean;
  /** The formats it can write (`undefined`: all). */
  readonly formats?: readonly string[] | undefined;
  /** Why it cannot run here, when it cannot. */
  readonly unavailable?: string | undefined;
  /** Opens it for one run. */
  open<T>(context: SessionContext<T>): Promise<SaveSession<T>>;
}
