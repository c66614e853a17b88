// Worker module of store-compaction.mjs: a known.met store replica.
import { createKnownMetStoreState, knownMetOps } from "@snapwrite/formats-met";
import { createFsSink } from "@snapwrite/sink-fs";
import { serveStoreReplica } from "../dist/index.js";

serveStoreReplica({
  name: "known.met",
  ops: knownMetOps,
  createState: () => createKnownMetStoreState({ header: "auto" }),
  createSink: (options) => createFsSink({ dir: options.dir }),
});
