import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Codec, Sink } from "@snapwrite/core";
import { measureBareWrite } from "./bare-write.js";
import { withReleaseOf } from "./chunk-release-hook.js";
import type { FsCounters } from "./fs-counters.js";
import { median } from "./percentile.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/** Bare durable write of pre-encoded bytes vs snapwrite's whole save of the same state, interleaved. */
export interface EndToEndRatio {
  /** Records in the state. */
  readonly records: number;
  /** Encoded size, bytes. */
  readonly bytes: number;
  /** Rounds measured (bare, sliced and inline alternate within a round). */
  readonly rounds: number;
  /** The faster of the two bare medians below: the floor the ratios use, ms (encoding excluded). */
  readonly bareMs: number;
  /** Median bare `writev` (IOV_MAX buffers per call) + `fsync` + `rename` of the pre-encoded bytes, ms. */
  readonly bareLargeBatchesMs: number;
  /** Same with 1 MiB `writev` batches (what sink-fs does), ms. */
  readonly bareMiBBatchesMs: number;
  /** Median snapwrite save (snapshot + encode + sink-fs durable write), sliced executor, ms. */
  readonly slicedMs: number | null;
  /** Same with the inline executor, ms. */
  readonly inlineMs: number | null;
  /** `slicedMs / bareMs`. */
  readonly ratioSliced: number | null;
  /** `inlineMs / bareMs`. */
  readonly ratioInline: number | null;
  /**
   * Largest number of bytes the sliced save had encoded but not yet handed to the kernel, over all
   * rounds: the memory the write pipeline holds at once (chunks in flight), garbage excluded.
   */
  readonly inFlightPeakBytes: number | null;
  /** Largest chunk the codec yielded, bytes. */
  readonly maxChunkBytes: number;
}

/**
 * Wraps a codec so that, before each chunk is handed on, it records how many encoded bytes have not
 * reached the kernel yet (bytes yielded minus bytes the fs counters saw written). The codec's chunk
 * release hook is passed on, so the sliced save recycles its chunks as the inline one does.
 */
function inFlightTracking<T>(
  codec: Codec<T>,
  counters: FsCounters,
): { codec: Codec<T>; peak: () => number } {
  let peak = 0;
  return {
    codec: {
      name: codec.name,
      decode: (bytes) => codec.decode(bytes),
      encode(value) {
        const chunks = codec.encode(value);
        function* tracked(): Generator<Uint8Array> {
          const writtenAtStart = counters.peek().bytes;
          let yielded = 0;
          for (const chunk of chunks) {
            yielded += chunk.byteLength;
            const inFlight = yielded - (counters.peek().bytes - writtenAtStart);
            if (inFlight > peak) peak = inFlight;
            yield chunk;
          }
        }
        return withReleaseOf(tracked(), chunks);
      },
    },
    peak: () => peak,
  };
}

async function snapwriteSave<T>(
  modules: SnapwriteModules,
  executor: "inline" | "sliced",
  dir: string,
  codec: Codec<T>,
  value: T,
): Promise<number> {
  const { createPersistenceWriter, createFsSink } = modules;
  if (!createPersistenceWriter || !createFsSink) throw new Error("snapwrite not available");
  const sink: Sink = createFsSink({ dir });
  const writer = createPersistenceWriter({ sink, executor });
  const handle = writer.register("known.met", { snapshot: () => value, codec });
  // Warm the sink (its start-up sweep of the directory) so the timed save is a steady-state one.
  const warm = await handle.saveNow("warm-up");
  if (!warm.ok) throw warm.error;
  const start = performance.now();
  const result = await handle.request("timed", { urgency: "immediate" }).settled;
  const elapsed = performance.now() - start;
  await writer.close({ timeoutMs: 60_000 });
  await sink.close?.();
  if (!result.ok) throw result.error;
  return elapsed;
}

/**
 * Measures the "end-to-end within 1.5× of a bare write" goal with the writes interleaved in each
 * round (bare with IOV_MAX batches, bare with 1 MiB batches, snapwrite sliced, snapwrite inline; the
 * order rotates from round to round), so disk and CPU contention from the rest of the machine hit
 * all of them alike; reports medians and takes the faster bare variant as the floor. The sliced saves also measure the bytes in
 * flight (encoded, not yet written), using the fs counters (started and stopped here).
 */
export async function measureEndToEndRatio<T>(
  modules: SnapwriteModules,
  root: string,
  codec: Codec<T>,
  value: T,
  encoded: readonly Uint8Array[],
  records: number,
  rounds: number,
  counters: FsCounters,
): Promise<EndToEndRatio> {
  const dir = await mkdtemp(join(root, "e2e-"));
  const tracked = inFlightTracking(codec, counters);
  counters.start();
  try {
    const bareLarge: number[] = [];
    const bareMiB: number[] = [];
    const sliced: number[] = [];
    const inline: number[] = [];
    const available = modules.createPersistenceWriter && modules.createFsSink;
    const steps: Array<() => Promise<void>> = [
      async () => {
        bareLarge.push(await measureBareWrite(dir, encoded, 1));
      },
      async () => {
        bareMiB.push(await measureBareWrite(dir, encoded, 1, 1024 * 1024));
      },
    ];
    if (available) {
      steps.push(
        async () => {
          sliced.push(await snapwriteSave(modules, "sliced", dir, tracked.codec, value));
        },
        async () => {
          inline.push(await snapwriteSave(modules, "inline", dir, codec, value));
        },
      );
    }
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round so no contender always runs right after the same neighbour.
      for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]?.();
    }
    const bareLargeMs = median(bareLarge);
    const bareMiBMs = median(bareMiB);
    const bareMs = Math.min(bareLargeMs, bareMiBMs);
    const slicedMs = sliced.length > 0 ? median(sliced) : null;
    const inlineMs = inline.length > 0 ? median(inline) : null;
    const ratio = (ms: number | null): number | null =>
      ms === null ? null : Number((ms / bareMs).toFixed(2));
    return {
      records,
      bytes: encoded.reduce((sum, chunk) => sum + chunk.byteLength, 0),
      rounds,
      bareMs: Number(bareMs.toFixed(2)),
      bareLargeBatchesMs: Number(bareLargeMs.toFixed(2)),
      bareMiBBatchesMs: Number(bareMiBMs.toFixed(2)),
      slicedMs: slicedMs === null ? null : Number(slicedMs.toFixed(2)),
      inlineMs: inlineMs === null ? null : Number(inlineMs.toFixed(2)),
      ratioSliced: ratio(slicedMs),
      ratioInline: ratio(inlineMs),
      inFlightPeakBytes: sliced.length > 0 ? tracked.peak() : null,
      maxChunkBytes: encoded.reduce((max, chunk) => Math.max(max, chunk.byteLength), 0),
    };
  } finally {
    counters.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
