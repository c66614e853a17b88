/** Settings of the cross-process lock, defaults applied. */
export interface TargetLockSettings {
  /** A lock not refreshed for this long counts as abandoned. */
  readonly staleMs: number;
  /** How long to wait for a held lock before failing with `ERR_LOCKED`. */
  readonly waitMs: number;
  /** First pause between attempts; doubles up to 250 ms. */
  readonly pollMs: number;
}
