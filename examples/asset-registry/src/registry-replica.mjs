// The registry store's replica, in a worker thread started by `createStoreReplica` (src/main.mjs):
// it applies the journaled op batches to its own copy of the registry and writes the snapshots, so
// a compaction encodes nothing on the main thread.
import { serveStoreReplica } from "@snapwrite/executor-worker";
import { createJsonOpsCodec } from "@snapwrite/formats-json";
import { createFsSink } from "@snapwrite/sink-fs";
import { createKeyedReplicaState } from "@snapwrite/store";
import { snapshotCodec } from "./registry-codec.mjs";

serveStoreReplica({
  name: "asset-registry",
  ops: createJsonOpsCodec(),
  createState: () => createKeyedReplicaState({ codec: snapshotCodec }),
  createSink: (options) => createFsSink({ dir: options.dir }),
});
