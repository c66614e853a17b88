/** What `handle.state` reports about one target, at the moment it is read. */
export interface TargetState {
  /** Highest requested generation (0 before the first request). */
  readonly pendingGeneration: number;
  /** Highest generation covered by a successful write (0 before the first one). */
  readonly durableGeneration: number;
  /** Whether a write of this target is running. */
  readonly inFlight: boolean;
  /** `pendingGeneration > durableGeneration`: some requested state is not durable yet. */
  readonly unsaved: boolean;
}
