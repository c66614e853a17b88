import type { ReplayDamage } from "@snapwrite/journal";

/** What the warm load found. */
export interface StoreLoadReport {
  /** `"snapshot"`, `"previous-snapshot"` (the newest was unusable), `"journal"` (no snapshot) or `"empty"`. */
  readonly source: "snapshot" | "previous-snapshot" | "journal" | "empty";
  /** Seq the loaded snapshot covers (0 without one). */
  readonly snapshotSeq: number;
  /** Journal records applied after the snapshot. */
  readonly replayed: number;
  /** Seq of the loaded state. */
  readonly seq: number;
  /** A torn journal tail that was ignored (and repaired aside), if any; zeros after the last record (preallocated space) are none. */
  readonly tail: ReplayDamage | null;
  /**
   * Files moved aside: unusable snapshots, damaged journal tails and journal segments replay did
   * not use.
   */
  readonly quarantined: readonly string[];
  /**
   * The journal's files deleted because they held nothing (the journal's `recovery.removedEmpty`):
   * unused segments zero bytes long or all zeros, and zero-byte `*.unused-*` files of earlier opens.
   * Nothing else is deleted.
   */
  readonly removedEmpty: readonly string[];
  readonly timings: {
    readonly snapshotMs: number;
    readonly replayMs: number;
    readonly totalMs: number;
  };
}
