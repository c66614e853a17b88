import type { TargetId } from "./target.js";

/** How soon a request wants its write: after the debounce window, or as soon as possible. */
export type Urgency = "debounced" | "immediate";

/** What `request()` records. */
export interface PersistenceRequest {
  /** Target the request is for. */
  readonly target: TargetId;
  /** Free-form reason, for telemetry (`"file-hashed"`). */
  readonly reason: string;
  /** Debounced (default) or immediate. */
  readonly urgency: Urgency;
  /** Per-target generation: 1, 2, 3, … strictly increasing. */
  readonly generation: number;
  /** Clock time of the request, in ms. */
  readonly requestedAt: number;
}
