/** One goal of issue 6 and how this run did against it. */
export interface GoalCheck {
  /** What is measured. */
  readonly goal: string;
  /** The target, in words. */
  readonly target: string;
  /** The measured value, in words; "not measured" when a piece is missing. */
  readonly measured: string;
  /** True when reached, false when missed, null when not measured. */
  readonly reached: boolean | null;
  /** Workload size the check used. */
  readonly records: number;
}

/** Encoded bytes a save may hold in flight: a few chunk buffers (≤ 1 MiB each) plus one writev batch. */
export const EXTRA_MEMORY_BUDGET_MB = 16;
