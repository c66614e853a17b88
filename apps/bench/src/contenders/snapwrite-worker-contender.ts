import type { Codec, WriteResult } from "@snapwrite/core";
import { encodeToBuffer } from "../bench-format.js";
import { FS_COUNT_FIELDS, readFsCounts } from "../fs-counters.js";
import type { KnownMetValue, SnapwriteModules } from "../snapwrite-modules.js";
import type { Contender } from "./contender.js";
import { measureIdleWorkerFloor } from "./idle-worker-floor.js";
import { readTargetFile } from "./read-target-file.js";
import { createWriterTally } from "./writer-tally.js";

/** `KNOWN_MET_PATCH_TAGS.put` of `@snapwrite/formats-met` (loaded lazily, after the fs counters). */
const KNOWN_MET_PUT_TAG = 1;

/** Options of {@link createSnapwriteWorkerContender}. */
export interface SnapwriteWorkerContenderOptions {
  /** Workspace packages as loaded. */
  readonly modules: SnapwriteModules;
  /** URL of the built worker module (`known-met-replica-worker.js`). */
  readonly workerModule: URL;
}

function concatenated(codec: Codec<KnownMetValue>, value: KnownMetValue): Uint8Array {
  // A fresh, exactly sized buffer, so it can be transferred to the worker.
  const bytes = encodeToBuffer(codec, value);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/**
 * snapwrite with the worker executor (docs/architecture.md#executors): a worker thread keeps a known.met replica, filled
 * once with the starting state (outside the measured window, like an app loading its file) and fed
 * one binary `put` patch (the record's bytes, batched and transferred) per change; each write is encoded and written with
 * sink-fs (durable) inside the worker. The owner pays the patch and `request()`, never an O(N)
 * snapshot. The worker's file-system calls are counted in the worker and reported through a
 * `SharedArrayBuffer`. After the run, an idle worker of the same module (empty replica, one save)
 * gives the thread's own memory floor, the control of goal 4's replica memory.
 */
export function createSnapwriteWorkerContender(
  options: SnapwriteWorkerContenderOptions,
): Contender {
  const { modules, workerModule } = options;
  const id = "snapwrite-worker-fs";
  const { createPersistenceWriter, createWorkerReplica, knownMetCodec } = modules;
  if (!createPersistenceWriter || !createWorkerReplica || !knownMetCodec) {
    const reason = [
      modules.missing.createPersistenceWriter,
      modules.missing.createWorkerReplica,
      modules.missing.knownMetCodec,
    ]
      .filter((text) => text !== undefined)
      .join("; ");
    return {
      id,
      savesEveryChange: true,
      formats: ["known.met"],
      unavailable: reason,
      open: () => Promise.reject(new Error(reason)),
    };
  }
  return {
    id,
    savesEveryChange: true,
    formats: ["known.met"],
    async open({ dir, target, initial, schedule }) {
      if (!initial) throw new Error("the worker contender needs the starting state");
      let latest = initial as unknown as () => KnownMetValue;
      let floorBytes: number | undefined;
      const counts = new SharedArrayBuffer(FS_COUNT_FIELDS * Float64Array.BYTES_PER_ELEMENT);
      const countView = new Float64Array(counts);
      const memory = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
      const memoryView = new Float64Array(memory);
      const replica = createWorkerReplica({
        module: workerModule,
        options: { dir, counts, memory },
        resync: (fresh) => {
          const file = concatenated(knownMetCodec, latest());
          fresh.patch({ op: "load", file }, [file.buffer as ArrayBuffer]);
        },
      });
      const file = concatenated(knownMetCodec, latest());
      replica.patch({ op: "load", file }, [file.buffer as ArrayBuffer]);
      const tally = createWriterTally();
      let counting = false;
      // Every target is a replica: the writer needs no owner-side sink (the worker has its own).
      const writer = createPersistenceWriter({
        onResult: (result) => {
          if (counting) tally.add(result);
        },
      });
      const handle = writer.register(target, {
        runner: replica,
        debounceMs: schedule?.debounceMs ?? 1000,
        maxDelayMs: schedule?.maxDelayMs ?? 10_000,
      });
      // One write before the window: the worker has loaded the state and its sink has swept the
      // directory, as in an app that has been running for a while.
      const warm = await handle.saveNow("warm-up");
      if (!warm.ok) throw warm.error;
      countView.fill(0);
      counting = true;
      let last: Promise<WriteResult> | undefined;
      return {
        save(current, urgency, changed) {
          latest = current as unknown as () => KnownMetValue;
          for (const record of changed ?? []) {
            const bytes = (record as { bytes: Uint8Array }).bytes;
            // A binary patch is copied into the current batch and transferred with it: no message
            // and no structured clone per change.
            if (replica.patchBytes) replica.patchBytes(KNOWN_MET_PUT_TAG, bytes);
            else replica.patch({ op: "put", record: bytes.slice() });
          }
          last = handle.request("bench", { urgency }).settled;
        },
        async settle() {
          if (!last) return;
          const result = await last;
          if (!result.ok) throw result.error;
        },
        readBack: () => readTargetFile(dir, target),
        reported: tally.report,
        io: () => readFsCounts(countView),
        workerMemoryBytes: () => memoryView[0] ?? 0,
        workerFloorBytes: () => floorBytes,
        async close() {
          await writer.close({ timeoutMs: 60_000 });
          // The control, once the measured worker has stopped (outside the run's window, so the
          // process's RSS figures do not carry it): the same worker module with no records.
          floorBytes = await measureIdleWorkerFloor(modules, workerModule, dir);
        },
      };
    },
  };
}
