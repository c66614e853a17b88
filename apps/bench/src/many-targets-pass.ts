import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Codec, Sink, SinkWriteOptions } from "@snapwrite/core";
import type { SnapwriteModules } from "./snapwrite-modules.js";
import { readThreadCpu, type ThreadCpuUsed, threadCpuSince } from "./thread-cpu.js";

/** What one timed pass of goal 5 needs: the packages, a scratch root and the pass's size. */
export interface ManyTargetsPassInput {
  readonly createFsSink: NonNullable<SnapwriteModules["createFsSink"]>;
  readonly createPersistenceWriter: NonNullable<SnapwriteModules["createPersistenceWriter"]>;
  /** Parent of the pass's own fresh directory (removed after the pass, outside the timing). */
  readonly root: string;
  readonly count: number;
  readonly concurrency: number;
  readonly bytesPerTarget: number;
}

/** One timed pass: wall time and the process's CPU time (user + system, libuv's threads included), ms. */
export interface PassTime {
  readonly ms: number;
  readonly cpuMs: number;
  /** The system (kernel) part of `cpuMs`. */
  readonly systemMs: number;
  /** `cpuMs` split into the main thread's and the other threads' (libuv's pool, V8's GC), ms; Linux only. */
  readonly threads?: ThreadCpuUsed | undefined;
  /** When the clock started and stopped (`performance.now()`), to match other records to the pass. */
  readonly startMs: number;
  readonly endMs: number;
}

/** One writer pass: its times, its most writes in flight, its failures. */
export interface WriterPass extends PassTime {
  readonly maxInFlight: number;
  readonly concurrencyOptionAccepted: boolean;
  readonly failures: number;
}

/** Target `i`'s JSON, padded with spaces to `size` bytes, so both passes write the same bytes. */
const payload = (i: number, pass: string, size: number): Uint8Array => {
  const text = JSON.stringify({ id: i, pass, pad: "x".repeat(Math.max(0, size - 40)) });
  return Buffer.from(text.padEnd(size, " "));
};

const bytesCodec: Codec<Uint8Array> = {
  name: "bytes",
  encode: function* (value) {
    yield value;
  },
  decode: (bytes) => bytes,
};

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

/**
 * Times `work`, after a full collection when the bench runs with `--expose-gc` (so no pass
 * inherits the other's garbage).
 */
async function timed<T>(work: () => Promise<T>): Promise<PassTime & { value: T }> {
  (globalThis as { gc?: () => void }).gc?.();
  const threadsBefore = readThreadCpu();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const end = performance.now();
  const ms = end - start;
  const used = process.cpuUsage(cpu);
  const threads = threadCpuSince(threadsBefore, readThreadCpu());
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    systemMs: used.system / 1000,
    threads,
    startMs: start,
    endMs: end,
    value,
  };
}

/** Runs `pass` with a fresh sink-fs sink in a fresh directory, removed afterwards. */
async function inFreshDir<T>(
  input: ManyTargetsPassInput,
  pass: (sink: Sink) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(input.root, "many-targets-"));
  try {
    const sink = input.createFsSink({ dir });
    try {
      return await pass(sink);
    } finally {
      await (sink as { close?: () => Promise<void> }).close?.();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The sink alone: `sink.write` for every target from a pool of `concurrency` callers; ms. Its sink
 * is wrapped like the writer's (see {@link countingSink}), so the wrapper costs both passes alike.
 */
export function sinkPass(input: ManyTargetsPassInput): Promise<PassTime> {
  const { count, concurrency, bytesPerTarget } = input;
  return inFreshDir(input, async (fsSink) => {
    const { sink } = countingSink(fsSink);
    const values = Array.from({ length: count }, (_, i) => payload(i, "sink", bytesPerTarget));
    let next = 0;
    const { value: _, ...time } = await timed(() =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < count; i = next++) {
            await sink.write(`t-${i}.json`, [values[i] as Uint8Array]);
          }
        }),
      ),
    );
    return time;
  });
}

/**
 * The writer: one writer (`executor: "inline"`, `concurrency` passed when it accepts it), every
 * target registered before the clock starts, then requested `immediate` once; the time until every
 * ticket settled.
 */
export function writerPass(input: ManyTargetsPassInput): Promise<WriterPass> {
  const { count, concurrency, bytesPerTarget, createPersistenceWriter } = input;
  return inFreshDir(input, async (sink) => {
    const counted = countingSink(sink);
    let concurrencyOptionAccepted = true;
    let writer: ReturnType<typeof createPersistenceWriter>;
    try {
      writer = createPersistenceWriter({ sink: counted.sink, executor: "inline", concurrency });
    } catch {
      concurrencyOptionAccepted = false;
      writer = createPersistenceWriter({ sink: counted.sink, executor: "inline" });
    }
    const handles = Array.from({ length: count }, (_, i) => {
      const value = payload(i, "writer", bytesPerTarget);
      return writer.register(`t-${i}.json`, { snapshot: () => value, codec: bytesCodec });
    });
    const { value: results, ...time } = await timed(() =>
      Promise.all(handles.map((h) => h.request("dirty", { urgency: "immediate" }).settled)),
    );
    await writer.close({ timeoutMs: 60_000 });
    return {
      ...time,
      maxInFlight: counted.maxInFlight(),
      concurrencyOptionAccepted,
      failures: results.filter((r) => !r.ok).length,
    };
  });
}
