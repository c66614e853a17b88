/**
 * The worker module of the `snapwrite-worker-fs` contender: serves a known.met replica with a
 * sink-fs sink. The fs counters are installed in this thread too (each thread has its own `fs`),
 * writing into the shared array the owner passed, so the owner can report the worker's I/O.
 */

import type { Sink } from "@snapwrite/core";
import { serveReplica } from "@snapwrite/executor-worker";
import { createKnownMetReplica, type KnownMetPatch } from "@snapwrite/formats-met";
import { installFsCounters } from "./fs-counters.js";

/** Options the owner passes to the replica worker. */
export interface KnownMetReplicaWorkerOptions {
  /** Directory of the sink. */
  readonly dir: string;
  /** Shared count store (`FS_COUNT_FIELDS` Float64 slots). */
  readonly counts: SharedArrayBuffer;
  /** One Float64 slot: the largest JS heap used + external bytes of this thread, sampled after each write. */
  readonly memory: SharedArrayBuffer;
}

/**
 * The memory this worker thread holds, replica included: its own isolate's JS heap in use plus
 * its external memory (array buffers: the replica's slabs, the adopted file, write chunks). Sampled
 * after every write without forcing a collection, so garbage not yet collected counts too.
 */
function sampleMemory(slot: Float64Array): void {
  const usage = process.memoryUsage();
  const bytes = usage.heapUsed + usage.external;
  if (bytes > (slot[0] ?? 0)) slot[0] = bytes;
}

serveReplica<KnownMetPatch, KnownMetReplicaWorkerOptions>({
  name: "known.met",
  // Its sink is sink-fs, which keeps no chunk after a write: the replica may lend its storage.
  createReplica: () => createKnownMetReplica({ header: "auto", borrowChunks: true }),
  createSink: async (options) => {
    const counters = await installFsCounters({ shared: new Float64Array(options.counts) });
    counters.start();
    // Imported after the counters, like on the owner thread.
    const { createFsSink } = await import("@snapwrite/sink-fs");
    const sink = createFsSink({ dir: options.dir });
    const slot = new Float64Array(options.memory);
    sampleMemory(slot);
    return {
      capabilities: sink.capabilities,
      read: (target, readOptions) => sink.read(target, readOptions),
      close: () => sink.close(),
      async write(target, chunks, writeOptions) {
        try {
          return await sink.write(target, chunks, writeOptions);
        } finally {
          sampleMemory(slot);
        }
      },
    } satisfies Sink;
  },
});
