import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Codec, Sink, SinkWriteOptions } from "@snapwrite/core";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/** Goal 5: many dirty targets flushed through one writer over sink-fs. */
export interface ManyTargetsResult {
  /** Targets written in each of the two passes. */
  readonly targets: number;
  /** Writes in flight at most that the bench asked for (pool size of the bare pass, writer option). */
  readonly concurrency: number;
  /** Bytes per target. */
  readonly bytesPerTarget: number;
  /** The sink alone: `sink.write` for every target from a pool of `concurrency` workers, ms. */
  readonly sinkMs: number;
  /** Targets per second of the sink alone: its sustainable rate. */
  readonly sinkTargetsPerSec: number;
  /** The writer: one immediate request per target, until every ticket settled, ms. */
  readonly writerMs: number;
  /** Targets per second through the writer. */
  readonly writerTargetsPerSec: number;
  /** writer rate / sink rate. */
  readonly ratio: number;
  /** Most `sink.write` calls the writer had in flight at once. */
  readonly writerMaxInFlight: number;
  /** Whether `createPersistenceWriter` accepted a `concurrency` option (false: it threw on it). */
  readonly concurrencyOptionAccepted: boolean;
  /** Failed writes (must be 0). */
  readonly failures: number;
}

/** Wraps a sink so the number of `write` calls in flight is tracked. */
function countingSink(sink: Sink): { sink: Sink; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const wrapped: Sink = Object.create(sink, {
    write: {
      value: async (target: string, chunks: Iterable<Uint8Array>, options?: SinkWriteOptions) => {
        inFlight++;
        if (inFlight > max) max = inFlight;
        try {
          return await sink.write(target, chunks, options);
        } finally {
          inFlight--;
        }
      },
    },
  });
  return { sink: wrapped, maxInFlight: () => max };
}

const payload = (i: number, pass: string, size: number): Uint8Array => {
  const text = JSON.stringify({ id: i, pass, pad: "x".repeat(Math.max(0, size - 40)) });
  return Buffer.from(text);
};

/**
 * Measures goal 5 over sink-fs (durable): `count` fresh targets written by the sink alone from a
 * pool of `concurrency` callers (the sink's sustainable rate), then `count` other fresh targets
 * through one writer (`executor: "inline"`, `concurrency` passed when the writer accepts it), each
 * registered and requested `immediate` once; the time until every ticket settled gives targets/s.
 */
export async function measureManyTargets(
  modules: SnapwriteModules,
  root: string,
  count: number,
  concurrency: number,
  bytesPerTarget = 256,
): Promise<ManyTargetsResult | undefined> {
  const { createFsSink, createPersistenceWriter } = modules;
  if (!createFsSink || !createPersistenceWriter) return undefined;
  const dir = await mkdtemp(join(root, "many-targets-"));
  try {
    const sink = createFsSink({ dir });
    // The sink alone, bounded pool.
    let next = 0;
    let start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          await sink.write(`a-${i}.json`, [payload(i, "a", bytesPerTarget)]);
        }
      }),
    );
    const sinkMs = performance.now() - start;

    const counted = countingSink(sink);
    const codec: Codec<Uint8Array> = {
      name: "bytes",
      encode: function* (value) {
        yield value;
      },
      decode: (bytes) => bytes,
    };
    let concurrencyOptionAccepted = true;
    let writer: ReturnType<typeof createPersistenceWriter>;
    try {
      writer = createPersistenceWriter({ sink: counted.sink, executor: "inline", concurrency });
    } catch {
      concurrencyOptionAccepted = false;
      writer = createPersistenceWriter({ sink: counted.sink, executor: "inline" });
    }
    const handles = Array.from({ length: count }, (_, i) => {
      const value = payload(i, "b", bytesPerTarget);
      return writer.register(`b-${i}.json`, { snapshot: () => value, codec });
    });
    start = performance.now();
    const results = await Promise.all(
      handles.map((h) => h.request("dirty", { urgency: "immediate" }).settled),
    );
    const writerMs = performance.now() - start;
    await writer.close({ timeoutMs: 60_000 });
    await (sink as { close?: () => Promise<void> }).close?.();
    const perSec = (ms: number): number => Math.round(count / (ms / 1000));
    return {
      targets: count,
      concurrency,
      bytesPerTarget,
      sinkMs: Math.round(sinkMs),
      sinkTargetsPerSec: perSec(sinkMs),
      writerMs: Math.round(writerMs),
      writerTargetsPerSec: perSec(writerMs),
      ratio: Number((sinkMs / writerMs).toFixed(2)),
      writerMaxInFlight: counted.maxInFlight(),
      concurrencyOptionAccepted,
      failures: results.filter((r) => !r.ok).length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
