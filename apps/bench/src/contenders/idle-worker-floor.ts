import { mkdtemp, rm } from "node:fs/promises";
import { FS_COUNT_FIELDS } from "../fs-counters.js";
import type { SnapwriteModules } from "../snapwrite-modules.js";

/** A known.met file with no record: header 0x0E and a record count of 0. */
const EMPTY_KNOWN_MET = (): Uint8Array => Uint8Array.of(0x0e, 0, 0, 0, 0);

/**
 * The control of goal 4's replica memory: a worker thread started from the same worker module as
 * the measured one (`known-met-replica-worker.js`: the same isolate, modules, fs counters, sink-fs
 * and memory sampling), holding an empty replica, after one save of the empty file. Its peak
 * (JS heap used + external, sampled after the write like the measured worker's) is the thread's
 * own floor, which a replica of any size carries. Runs in its own scratch directory (`dir` +
 * `-idle-…`, removed after) and stops the thread before returning; bytes.
 */
export async function measureIdleWorkerFloor(
  modules: Pick<SnapwriteModules, "createPersistenceWriter" | "createWorkerReplica">,
  workerModule: URL,
  dir: string,
): Promise<number> {
  const { createPersistenceWriter, createWorkerReplica } = modules;
  if (!createPersistenceWriter || !createWorkerReplica) throw new Error("no worker executor");
  const scratch = await mkdtemp(`${dir}-idle-`);
  const memory = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
  const counts = new SharedArrayBuffer(FS_COUNT_FIELDS * Float64Array.BYTES_PER_ELEMENT);
  const replica = createWorkerReplica({
    module: workerModule,
    options: { dir: scratch, counts, memory },
  });
  const writer = createPersistenceWriter({});
  try {
    const file = EMPTY_KNOWN_MET();
    replica.patch({ op: "load", file }, [file.buffer as ArrayBuffer]);
    const handle = writer.register("known.met", { runner: replica });
    const saved = await handle.saveNow("idle control");
    if (!saved.ok) throw saved.error;
    return new Float64Array(memory)[0] ?? 0;
  } finally {
    await writer.close({ timeoutMs: 60_000 });
    await rm(scratch, { recursive: true, force: true });
  }
}
