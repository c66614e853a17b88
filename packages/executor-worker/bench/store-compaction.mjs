// Owner-thread cost of a durable known.met store's compaction, encoded by the owner's codec or by a
// worker replica (`createStoreReplica`), and the owner's cost of handing each committed batch to
// the replica. A store of <records> known.met records is built once (one snapshot), then each run
// reopens it, commits 20 one-record batches (the owner's `applyKnownMetOps` is O(records) each)
// and compacts, while a 1 ms timer and monitorEventLoopDelay watch the owner's event loop.
// Usage (after `npx turbo run build`):
//   node packages/executor-worker/bench/store-compaction.mjs [records=200000] [mode=owner|worker]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  applyKnownMetOps,
  assembleKnownFileRecord,
  createMetTag,
  knownMetCodec,
  knownMetOps,
} from "@snapwrite/formats-met";
import { openDurableStore } from "@snapwrite/store";
import { createStoreReplica } from "../dist/index.js";
import {
  commitTouches,
  countEncodes,
  fillStore,
  measureCompaction,
} from "./compaction-measure.mjs";

const records = Number(process.argv[2] ?? 200_000);
const mode = process.argv[3] ?? "worker";

function record(id, size) {
  const hash = new Uint8Array(16);
  new DataView(hash.buffer).setUint32(0, id, true);
  hash[15] = 0x77;
  return assembleKnownFileRecord({
    date: 1_700_000_000,
    hash,
    partHashes: [],
    tags: [
      createMetTag({ id: 1, type: "string", value: `some shared file name ${id}.mkv` }),
      createMetTag({ id: 2, type: "uint32", value: size }),
    ],
  });
}

const counted = countEncodes(knownMetCodec, "known.met");
const upsert = (id, size) => ({ op: "upsert", record: record(id, size) });

function options(dir, replica) {
  return {
    dir,
    name: "known",
    codec: counted.codec,
    ops: knownMetOps,
    apply: (state, ops) => ({
      header: state.header,
      records: applyKnownMetOps(state.records, ops),
    }),
    empty: () => ({ header: "auto", records: [] }),
    compaction: false,
    maxRecordBytes: 256 * 1024 * 1024,
    replica,
  };
}

const dir = await mkdtemp(join(tmpdir(), "snapwrite-store-compaction-"));
try {
  await fillStore(options(dir, undefined), records, upsert);
  const replica =
    mode === "worker"
      ? createStoreReplica({
          module: new URL("./store-replica-worker.mjs", import.meta.url),
          options: { dir },
        })
      : undefined;
  // The owner's time in `committed()`, per batch.
  const handOff = [];
  if (replica !== undefined) {
    const committed = replica.committed.bind(replica);
    replica.committed = (from, to, payloads) => {
      const t0 = performance.now();
      committed(from, to, payloads);
      handOff.push(performance.now() - t0);
    };
  }
  const { store } = await openDurableStore(options(dir, replica));
  counted.encodes = 0;
  await commitTouches(store, upsert);
  const { report, ...owner } = await measureCompaction(store, replica);
  await store.close();
  const sorted = handOff.sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    JSON.stringify({
      mode,
      records,
      snapshotBytes: report.bytes,
      ...owner,
      ownerEncodesDuringRun: counted.encodes,
      handOffMedianUs: median === undefined ? null : Math.round(median * 1000) / 1000,
      handOffMaxUs: sorted.length === 0 ? null : Math.round(sorted.at(-1) * 1000) / 1000,
      replicaSeq: replica?.stats.seq ?? null,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
