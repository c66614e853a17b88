import type { Sink } from "@snapwrite/core";
import { bytesCodec } from "./bytes-codec.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/** What `request()` costs the owner. */
export interface RequestCost {
  /** Calls timed. */
  readonly calls: number;
  /** Mean cost per call, ns. */
  readonly meanNs: number;
  /** Best mean over the rounds, ns. */
  readonly bestRoundNs: number;
}

/**
 * Times `request()` on a registered target whose debounce never fires during the loop (one hour),
 * after a warm-up, in `rounds` rounds of `calls / rounds` calls; the writer is closed with
 * `shutdown: "skip"` so nothing is written. Returns `undefined` when the writer is not available.
 */
export async function measureRequestCost(
  modules: SnapwriteModules,
  calls: number,
  rounds: number,
): Promise<RequestCost | undefined> {
  const { createPersistenceWriter, createMemorySink } = modules;
  if (!createPersistenceWriter || !createMemorySink) return undefined;
  const sink: Sink = createMemorySink();
  const writer = createPersistenceWriter({ sink, executor: "sliced" });
  const payload = new Uint8Array(16);
  const handle = writer.register("request-cost.bin", {
    snapshot: () => payload,
    codec: bytesCodec,
    debounceMs: 3_600_000,
    maxDelayMs: 3_600_000,
    shutdown: "skip",
  });
  for (let i = 0; i < 20_000; i++) handle.request("warm-up");
  const perRound = Math.max(1, Math.floor(calls / rounds));
  let total = 0n;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) handle.request("tick");
    const elapsed = process.hrtime.bigint() - start;
    total += elapsed;
    best = Math.min(best, Number(elapsed) / perRound);
    // Let the writer's timers and the tickets' promises breathe between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.close({ timeoutMs: 5_000 });
  const timed = perRound * rounds;
  return {
    calls: timed,
    meanNs: Number((Number(total) / timed).toFixed(1)),
    bestRoundNs: Number(best.toFixed(1)),
  };
}
