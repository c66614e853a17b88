// Owner-thread cost of a durable keyed JSON store's compaction (KeyedCollections, applyKeyedOps,
// createJsonOpsCodec, createKeyedCollectionsCodec over createJsonCodec), encoded by the owner's
// codec or by a worker replica (`createStoreReplica` + `createKeyedReplicaState`), and the worker's
// heap once it loaded the snapshot. A store of <entries> entries is built once (one snapshot), then
// each run reopens it, commits 20 one-entry batches and compacts, while a 1 ms timer and
// monitorEventLoopDelay watch the owner's event loop.
// Usage (after `npx turbo run build`):
//   node --expose-gc packages/executor-worker/bench/keyed-store-compaction.mjs [entries=200000] [mode=owner|worker]
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  openDurableStore,
} from "@snapwrite/store";
import { createStoreReplica } from "../dist/index.js";
import {
  commitTouches,
  countEncodes,
  fillStore,
  measureCompaction,
} from "./compaction-measure.mjs";

const entries = Number(process.argv[2] ?? 200_000);
const mode = process.argv[3] ?? "worker";

const keyedCodec = createKeyedCollectionsCodec({
  json: createJsonCodec({ version: 1 }),
  name: "keyed",
});
const counted = countEncodes(keyedCodec);

const put = (id, size) => ({
  op: "put",
  collection: "files",
  key: `file-${String(id).padStart(8, "0")}`,
  value: { name: `some shared file name ${id}.mkv`, size, mtime: 1_700_000_000 + id, tags: ["a"] },
});

function options(dir, replica) {
  return {
    dir,
    name: "keyed",
    codec: counted.codec,
    ops: createJsonOpsCodec(),
    apply: applyKeyedOps,
    empty: emptyCollections,
    compaction: false,
    maxRecordBytes: 256 * 1024 * 1024,
    replica,
  };
}

const heapUsed = () => {
  globalThis.gc?.();
  return getHeapStatistics().used_heap_size;
};
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

const dir = await mkdtemp(join(tmpdir(), "snapwrite-keyed-compaction-"));
const memoryFile = join(dir, "..", `${dir.split("/").at(-1)}-worker-memory.json`);
try {
  await fillStore(options(dir, undefined), entries, put);
  const replica =
    mode === "worker"
      ? createStoreReplica({
          module: new URL("./keyed-store-replica-worker.mjs", import.meta.url),
          options: { dir, memoryFile },
        })
      : undefined;
  const ownerHeapBefore = heapUsed();
  const { store, load } = await openDurableStore(options(dir, replica));
  const ownerHeapAfter = heapUsed();
  // The worker loads the snapshot on its own thread: the measure starts once it has.
  const deadline = Date.now() + 60_000;
  while (replica !== undefined && !existsSync(memoryFile)) {
    if (Date.now() > deadline) throw new Error("the worker did not load the snapshot");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  counted.encodes = 0;
  await commitTouches(store, put);
  const { report, ...owner } = await measureCompaction(store, replica);
  await store.close();
  await replica?.close();
  const worker = replica === undefined ? undefined : JSON.parse(await readFile(memoryFile, "utf8"));
  console.log(
    JSON.stringify({
      mode,
      entries,
      snapshotBytes: report.bytes,
      loadMs: Math.round(load.timings.totalMs),
      ...owner,
      ownerEncodesDuringRun: counted.encodes,
      ownerStateHeapMiB: mib(ownerHeapAfter - ownerHeapBefore),
      loadedSnapshotMiB: worker === undefined ? null : mib(worker.file),
      workerHeapAfterLoadMiB: worker === undefined ? null : mib(worker.after),
      workerStateHeapMiB: worker === undefined ? null : mib(worker.after - worker.before),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await rm(memoryFile, { force: true });
}
