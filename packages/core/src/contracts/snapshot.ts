import type { TargetId } from "./target.js";

/** What the writer hands to the codec: an immutable value and the requests it covers. */
export interface PersistenceSnapshot<T> {
  /** Target the snapshot is for. */
  readonly target: TargetId;
  /** Highest request generation this snapshot covers. */
  readonly generation: number;
  /** Reasons folded into it: the 16 most recent distinct ones, oldest first. */
  readonly reasons: readonly string[];
  /** Clock time at which `snapshot()` ran. */
  readonly capturedAt: number;
  /** The immutable value built on the owner thread. */
  readonly value: T;
}
