import type { Clock } from "@snapwrite/core";
import type { DurableStore, StoreFilesOptions, StoreLoadReport } from "../durable-store-types.js";

/**
 * Options of {@link openFollowerStore}: the writer's `dir`, `name`, `codec`, `ops`, `apply` and
 * `empty` (nothing in `dir` is created, moved or changed), plus the refresh interval.
 */
export interface OpenFollowerStoreOptions<S, Op> extends StoreFilesOptions<S, Op> {
  /**
   * How often the journal is polled for new records. `intervalMs`: an integer from 10 to
   * `2147483647` (2^31 − 1, the longest delay of Node's timers).
   */
  readonly refresh: { readonly intervalMs: number };
  /** Timers and timings. Default: real time. The refresh timer is unref'd when its handle can be. */
  readonly clock?: Clock | undefined;
  /** Largest op batch (encoded) the writer may have written. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /** Loading yields to the event loop after running this long. Default 8 ms. */
  readonly replaySliceMs?: number | undefined;
}

/** A read-only store that follows another process's writer; every write refuses with `ERR_READ_ONLY`. */
export type FollowerStore<S, Op> = DurableStore<S, Op>;

/** What {@link openFollowerStore} resolves with. */
export interface OpenedFollowerStore<S, Op> {
  readonly store: FollowerStore<S, Op>;
  readonly load: StoreLoadReport;
}
