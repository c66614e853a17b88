import { openPostgresSink } from "./postgres-sink.js";
import type { PostgresSinkOptions } from "./postgres-sink-options.js";

/**
 * Draws one owner epoch from the `<table>_epoch` sequence (creating the tables first unless
 * `migrate: false`), for sinks opened later with `epoch`. Every `openPostgresSink` without `epoch`
 * draws a newer one, which fences every older owner, itself included: a sink re-created for the
 * same owner after it was fenced off (a worker replica's `createSink` runs again in every new
 * worker after a crash) would take the target back from the newer owner. Draw the epoch once per
 * owner and open each of its sinks with it, and an owner fenced off stays fenced off. The options
 * are `openPostgresSink`'s, checked the same way; `epoch` must be left out. Opens and closes a
 * sink; rejects as `openPostgresSink` or its `close()` does.
 */
export async function drawPostgresEpoch(
  options: Omit<PostgresSinkOptions, "epoch">,
): Promise<number> {
  if (
    typeof options === "object" &&
    options !== null &&
    (options as PostgresSinkOptions).epoch !== undefined
  ) {
    throw new TypeError("drawPostgresEpoch: leave epoch out: this draws one");
  }
  const sink = await openPostgresSink(options);
  await sink.close();
  return sink.epoch;
}
