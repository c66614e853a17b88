// Worker module of keyed-store-compaction.mjs: a keyed JSON store replica. With `options.memoryFile`
// it writes the worker's heap after each load there (run node with --expose-gc for a settled heap).
import { writeFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createFsSink } from "@snapwrite/sink-fs";
import { createKeyedCollectionsCodec, createKeyedReplicaState } from "@snapwrite/store";
import { serveStoreReplica } from "../dist/index.js";

const codec = createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }), name: "keyed" });

const heapUsed = () => {
  globalThis.gc?.();
  return getHeapStatistics().used_heap_size;
};

serveStoreReplica({
  name: "keyed",
  ops: createJsonOpsCodec(),
  createState(options) {
    const state = createKeyedReplicaState({ codec });
    if (options.memoryFile === undefined) return state;
    return {
      load(file) {
        const before = heapUsed();
        state.load(file);
        const after = heapUsed();
        writeFileSync(
          options.memoryFile,
          JSON.stringify({ before, after, file: file?.byteLength }),
        );
      },
      apply: (ops) => state.apply(ops),
      encode: () => state.encode(),
    };
  },
  createSink: (options) => createFsSink({ dir: options.dir }),
});
