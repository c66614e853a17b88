import { mkdtemp, open, rm } from "node:fs/promises";
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

/** The sum of consecutive timed segments of one pass: times added, clock from first to last. */
export function sumPassTimes(times: readonly PassTime[]): PassTime {
  const sum = (pick: (t: PassTime) => number): number => times.reduce((a, t) => a + pick(t), 0);
  const threads = times.every((t) => t.threads !== undefined)
    ? {
        main: sum((t) => t.threads?.main ?? 0),
        mainSystem: sum((t) => t.threads?.mainSystem ?? 0),
        others: sum((t) => t.threads?.others ?? 0),
      }
    : undefined;
  return {
    ms: sum((t) => t.ms),
    cpuMs: sum((t) => t.cpuMs),
    systemMs: sum((t) => t.systemMs),
    threads,
    startMs: times[0]?.startMs ?? 0,
    endMs: times.at(-1)?.endMs ?? 0,
  };
}

/**
 * One side of a round, set up before any clock starts (a fresh sink-fs sink in a fresh directory;
 * the payloads built, or the writer's targets registered), then timed segment by segment.
 */
export interface PassSession {
  /** Writes targets `from` to `to` (excluded) and times it. */
  segment(from: number, to: number): Promise<PassTime>;
  /** Closes the sink (and writer) and removes the directory, outside any timing. */
  end(): Promise<void>;
}

/** The writer's side: also its most writes in flight, its failures, whether it took `concurrency`. */
export interface WriterSession extends PassSession {
  readonly concurrencyOptionAccepted: boolean;
  maxInFlight(): number;
  failures(): number;
}

/** A fresh sink-fs sink in a fresh directory; `dispose` closes it and removes the directory. */
async function freshSink(
  input: ManyTargetsPassInput,
): Promise<{ sink: Sink; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(input.root, "many-targets-"));
  const sink = input.createFsSink({ dir });
  const dispose = async (): Promise<void> => {
    try {
      await (sink as { close?: () => Promise<void> }).close?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  return { sink, dispose };
}

/**
 * The sink alone: `sink.write` of each target of a segment from a pool of `concurrency` callers.
 * Its sink is wrapped like the writer's (see {@link countingSink}), so the wrapper costs both alike.
 */
export async function openSinkSession(input: ManyTargetsPassInput): Promise<PassSession> {
  const { count, concurrency, bytesPerTarget } = input;
  const fresh = await freshSink(input);
  const { sink } = countingSink(fresh.sink);
  const values = Array.from({ length: count }, (_, i) => payload(i, "sink", bytesPerTarget));
  return {
    async segment(from, to) {
      let next = from;
      const { value: _, ...time } = await timed(() =>
        Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let i = next++; i < to; i = next++) {
              await sink.write(`t-${i}.json`, [values[i] as Uint8Array]);
            }
          }),
        ),
      );
      return time;
    },
    end: fresh.dispose,
  };
}

/**
 * The writer: one writer (`executor: "inline"`, `concurrency` passed when it accepts it) with every
 * target registered before any clock starts; a segment requests each of its targets `immediate`
 * once and is timed until every ticket settled.
 */
export async function openWriterSession(input: ManyTargetsPassInput): Promise<WriterSession> {
  const { count, concurrency, bytesPerTarget, createPersistenceWriter } = input;
  const fresh = await freshSink(input);
  const counted = countingSink(fresh.sink);
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
  let failures = 0;
  return {
    concurrencyOptionAccepted,
    maxInFlight: counted.maxInFlight,
    failures: () => failures,
    async segment(from, to) {
      const { value: results, ...time } = await timed(() =>
        Promise.all(
          handles.slice(from, to).map((h) => h.request("dirty", { urgency: "immediate" }).settled),
        ),
      );
      failures += results.filter((r) => !r.ok).length;
      return time;
    },
    async end() {
      try {
        await writer.close({ timeoutMs: 60_000 });
      } finally {
        await fresh.dispose();
      }
    },
  };
}

/**
 * Syncs `root` after its pass directories were removed, outside any timing: commits the removal of
 * thousands of files to the file system's journal now rather than inside the next timed segment,
 * which (first in the next round) would otherwise pay for it.
 */
export async function syncRemovals(root: string): Promise<void> {
  const handle = await open(root, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The sink alone over every target in one timed segment, in its own fresh directory. */
export async function sinkPass(input: ManyTargetsPassInput): Promise<PassTime> {
  const session = await openSinkSession(input);
  try {
    return await session.segment(0, input.count);
  } finally {
    await session.end();
    await syncRemovals(input.root);
  }
}

/** The writer over every target in one timed segment, in its own fresh directory. */
export async function writerPass(input: ManyTargetsPassInput): Promise<WriterPass> {
  const session = await openWriterSession(input);
  try {
    const time = await session.segment(0, input.count);
    return {
      ...time,
      maxInFlight: session.maxInFlight(),
      concurrencyOptionAccepted: session.concurrencyOptionAccepted,
      failures: session.failures(),
    };
  } finally {
    await session.end();
    await syncRemovals(input.root);
  }
}
