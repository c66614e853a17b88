import type { TargetId } from "../contracts/target.js";
import type { WriteResult } from "../contracts/write-result.js";

/** Kinds of {@link PersistenceEvent}. */
export type PersistenceEventType =
  | "requested"
  | "write-started"
  | "write-finished"
  | "retry-scheduled"
  | "closed";

/** What `writer.subscribe` listeners receive. Frozen. */
export interface PersistenceEvent {
  /** What happened. */
  readonly type: PersistenceEventType;
  /** Target concerned (absent for `closed`). */
  readonly target?: TargetId | undefined;
  /** Request generation (`requested`) or write generation (the others). */
  readonly generation?: number | undefined;
  /** The write outcome, for `write-finished` and `retry-scheduled`. */
  readonly result?: WriteResult | undefined;
}

/** A `subscribe` listener. Exceptions it throws are caught and counted, never propagated. */
export type PersistenceListener = (event: PersistenceEvent) => void;
