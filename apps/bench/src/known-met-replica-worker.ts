/**
 * The worker module of the `snapwrite-worker-fs` contender: serves a known.met replica with a
 * sink-fs sink. The fs counters are installed in this thread too (each thread has its own `fs`),
 * writing into the shared array the owner passed, so the owner can report the worker's I/O.
 */
import { serveReplica } from "@snapwrite/executor-worker";
import { createKnownMetReplica, type KnownMetPatch } from "@snapwrite/formats-met";
import { installFsCounters } from "./fs-counters.js";

/** Options the owner passes to the replica worker. */
export interface KnownMetReplicaWorkerOptions {
  /** Directory of the sink. */
  readonly dir: string;
  /** Shared count store (`FS_COUNT_FIELDS` Float64 slots). */
  readonly counts: SharedArrayBuffer;
}

serveReplica<KnownMetPatch, KnownMetReplicaWorkerOptions>({
  name: "known.met",
  createReplica: () => createKnownMetReplica({ header: "auto" }),
  createSink: async (options) => {
    const counters = await installFsCounters({ shared: new Float64Array(options.counts) });
    counters.start();
    // Imported after the counters, like on the owner thread.
    const { createFsSink } = await import("@snapwrite/sink-fs");
    return createFsSink({ dir: options.dir });
  },
});
