import type { Clock } from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import type { DurableStore, StoreFilesOptions, StoreLoadReport } from "../durable-store-types.js";
import { checkStoreFilesOptions } from "../durable-store-types.js";
import { checkFollowerStoreKeys } from "../option-keys.js";
import { resolveOptionValues } from "../option-values.js";

/** Options of {@link openFollowerStore}. */
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

/** The follower's resolved numeric options. */
export interface FollowerPolicy {
  readonly intervalMs: number;
  readonly maxRecordBytes: number;
  readonly replaySliceMs: number;
}

/** Checks the options and resolves the numeric ones with their defaults. */
export function resolveFollowerPolicy<S, Op>(
  options: OpenFollowerStoreOptions<S, Op>,
): FollowerPolicy {
  checkStoreFilesOptions(options, "openFollowerStore");
  checkFollowerStoreKeys(options);
  if (typeof options.refresh !== "object" || options.refresh === null) {
    throw new TypeError("openFollowerStore: refresh { intervalMs } is required");
  }
  const values = resolveOptionValues("openFollowerStore", {
    "refresh.intervalMs": {
      default: options.refresh.intervalMs,
      min: 10,
      max: MAX_TIMER_MS,
      integer: true,
    },
    maxRecordBytes: {
      default: options.maxRecordBytes === undefined ? 16 * 1024 * 1024 : options.maxRecordBytes,
      min: 1,
      max: 2 ** 31,
      integer: true,
    },
    replaySliceMs: {
      default: options.replaySliceMs === undefined ? 8 : options.replaySliceMs,
      min: 1,
      integer: true,
    },
  });
  return {
    intervalMs: values["refresh.intervalMs"],
    maxRecordBytes: values.maxRecordBytes,
    replaySliceMs: values.replaySliceMs,
  };
}
