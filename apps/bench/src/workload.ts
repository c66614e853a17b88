import { performance } from "node:perf_hooks";
import type { BenchFormat } from "./bench-format.js";
import type { Contender, SaveSession, SaveUrgency } from "./contenders/contender.js";
import type { StateModel } from "./state-model.js";
import { stepLog } from "./step-log.js";

/** What driving one workload against one contender produced. */
export interface DriveOutcome<T> {
  /** Time spent inside the owner's save calls, in ms. */
  readonly ownerMs: number;
  /** Number of save calls the owner made. */
  readonly ownerCalls: number;
  /** The state the store must hold at the end. */
  readonly expected: () => T;
  /** Mutations made (mutating workloads only). */
  readonly mutations?: number;
}

/** One workload: a state, a format, and a way of driving a contender's session. */
export interface Workload<T> {
  /** Name in results: `"known.met save 100k"`. */
  readonly id: string;
  /** Format of the saved state. */
  readonly format: BenchFormat<T>;
  /** File name of the saved state. */
  readonly target: string;
  /** The state before the first save, for contenders that keep a replica. */
  readonly initial?: (() => T) | undefined;
  /** Scheduling for snapwrite in this workload. */
  readonly schedule?: { readonly debounceMs: number; readonly maxDelayMs: number } | undefined;
  /** Keep a stall trace for the chart. */
  readonly trace: boolean;
  /** Makes the owner's calls; resolves when the owner is done calling (not when saves settled). */
  drive(session: SaveSession<T>, contender: Contender): Promise<DriveOutcome<T>>;
}

function timedSave<T>(
  session: SaveSession<T>,
  current: () => T,
  urgency: SaveUrgency,
  totals: { ms: number; calls: number },
  changed?: readonly unknown[],
): void {
  const start = performance.now();
  session.save(current, urgency, changed);
  const end = performance.now();
  stepLog.add("save call", start, end);
  totals.ms += end - start;
  totals.calls++;
}

/** One save of a prepared state. */
export function singleSaveDriver<T>(value: T): Workload<T>["drive"] {
  return async (session) => {
    const totals = { ms: 0, calls: 0 };
    timedSave(session, () => value, "immediate", totals);
    return { ownerMs: totals.ms, ownerCalls: totals.calls, expected: () => value };
  };
}

/**
 * `count` saves back to back in one synchronous loop (a burst of change events), each of a fresh
 * payload built by `payload(i)` outside the timed call.
 */
export function burstDriver<T>(count: number, payload: (index: number) => T): Workload<T>["drive"] {
  return async (session) => {
    const totals = { ms: 0, calls: 0 };
    let last: T | undefined;
    for (let i = 0; i < count; i++) {
      const value = payload(i);
      last = value;
      timedSave(session, () => value, "immediate", totals);
    }
    const final = last;
    if (final === undefined) throw new RangeError("burst of zero saves");
    return { ownerMs: totals.ms, ownerCalls: totals.calls, expected: () => final };
  };
}

/** Options of {@link periodicDriver}. */
export interface PeriodicDriverOptions<T> {
  /** Builds a fresh model (same seed, same starting state) for each contender. */
  readonly model: () => StateModel<T>;
  /** How long the owner keeps mutating, in ms. */
  readonly durationMs: number;
  /** Mutation period, in ms (1). */
  readonly mutateEveryMs: number;
  /** Save period for contenders that save on a timer, in ms. */
  readonly saveEveryMs: number;
}

/**
 * The owner mutates one record every `mutateEveryMs` for `durationMs`. Coalescing contenders get a
 * (debounced) save request after every mutation; the others save on a `saveEveryMs` timer. At the
 * end the owner stops mutating and asks for one last, immediate save.
 */
export function periodicDriver<T>(options: PeriodicDriverOptions<T>): Workload<T>["drive"] {
  return (session, contender) =>
    new Promise((resolve, reject) => {
      const model = options.model();
      const current = (): T => model.current();
      const totals = { ms: 0, calls: 0 };
      const failures: unknown[] = [];
      const guarded = (fn: () => void) => () => {
        try {
          fn();
        } catch (error) {
          failures.push(error);
        }
      };
      // Items changed since the last save call, for replica-based contenders.
      let changed: unknown[] = [];
      const mutateTimer = setInterval(
        guarded(() => {
          changed.push(stepLog.time("mutation", () => model.mutate()));
          if (contender.savesEveryChange) {
            const batch = changed;
            changed = [];
            timedSave(session, current, "debounced", totals, batch);
          }
        }),
        options.mutateEveryMs,
      );
      const saveTimer = contender.savesEveryChange
        ? undefined
        : setInterval(
            guarded(() => {
              const batch = changed;
              changed = [];
              timedSave(session, current, "immediate", totals, batch);
            }),
            options.saveEveryMs,
          );
      setTimeout(() => {
        clearInterval(mutateTimer);
        if (saveTimer) clearInterval(saveTimer);
        if (failures.length > 0) {
          reject(failures[0]);
          return;
        }
        try {
          timedSave(session, current, "immediate", totals, changed);
        } catch (error) {
          reject(error);
          return;
        }
        resolve({
          ownerMs: totals.ms,
          ownerCalls: totals.calls,
          expected: current,
          mutations: model.mutations,
        });
      }, options.durationMs);
    });
}
