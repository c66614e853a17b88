import { MAX_TIMER_MS, resolveOptionValues } from "@snapwrite/core/sink-kit";
import { intOption } from "../durable-store/policy.js";
import { checkStoreFilesOptions } from "../durable-store-types.js";
import { checkFollowerStoreKeys } from "../option-keys.js";
import type { OpenFollowerStoreOptions } from "./follower-store-types.js";

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
    maxRecordBytes: intOption(options.maxRecordBytes, 16 * 1024 * 1024, 1, 2 ** 31),
    replaySliceMs: intOption(options.replaySliceMs, 8, 1),
  });
  return {
    intervalMs: values["refresh.intervalMs"],
    maxRecordBytes: values.maxRecordBytes,
    replaySliceMs: values.replaySliceMs,
  };
}
