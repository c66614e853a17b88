import type { Apply } from "@snapwrite/core";
import type { Replay, ReplayRun } from "./durable-store-types.js";

/**
 * Opens the run a replay applies its records with: the store's `replay` fast path when given,
 * otherwise `apply` once per record.
 */
export function beginReplay<S, Op>(
  apply: Apply<S, Op>,
  replay: Replay<S, Op> | undefined,
  state: S,
): ReplayRun<S, Op> {
  if (replay !== undefined) return replay.begin(state);
  let value = state;
  return {
    apply(ops) {
      value = apply(value, ops);
    },
    finish: () => value,
  };
}
