// Shared by the store compaction benches: the counted owner codec, the one-batch fill, the 20
// one-op commits made before the measure, and the measure of one compaction while a 1 ms timer
// and monitorEventLoopDelay watch the owner's event loop.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { openDurableStore } from "@snapwrite/store";

/** `codec` under `name`, counting its encodes in `encodes` (reset it before a measure). */
export function countEncodes(codec, name = codec.name) {
  const counted = {
    encodes: 0,
    codec: {
      name,
      encode(value) {
        counted.encodes++;
        return codec.encode(value);
      },
      decode: (bytes) => codec.decode(bytes),
    },
  };
  return counted;
}

/** Opens the store with `options`, commits `count` ops `opOf(id, id + 1)` in one batch, compacts and closes. */
export async function fillStore(options, count, opOf) {
  const { store } = await openDurableStore(options);
  const all = [];
  for (let id = 0; id < count; id++) all.push(opOf(id, id + 1));
  await store.commit("fill", () => all).settled;
  await store.compact("fill");
  await store.close();
}

/** Commits 20 one-op batches, `opOf(i * 7, 5 + i)` for i = 0 to 19, one after the other. */
export async function commitTouches(store, opOf) {
  for (let i = 0; i < 20; i++) {
    await store.commit("touch", () => [opOf(i * 7, 5 + i)]).settled;
  }
}

/**
 * Compacts `store` once and returns the report with the owner's cost: wall time, busy time of the
 * owner thread, and the longest gaps its event loop showed. Throws if `replica` wrote no snapshot.
 */
export async function measureCompaction(store, replica) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  histogram.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const report = await store.compact("measure");
  if (replica !== undefined && replica.stats.snapshots !== 1)
    throw new Error("the worker wrote no snapshot");
  const compactMs = performance.now() - t0;
  // The owner thread's busy time during the compaction (its event loop was not idle).
  const ownerBusyMs = performance.eventLoopUtilization(elu0).active;
  histogram.disable();
  clearInterval(tick);
  return {
    report,
    compactMs: Math.round(compactMs),
    ownerBusyMs: Math.round(ownerBusyMs),
    maxLoopGapMs: Math.round(maxGap * 10) / 10,
    maxLoopDelayMs: Math.round(histogram.max / 1e5) / 10,
  };
}
