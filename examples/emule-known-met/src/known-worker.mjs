// The worker thread of the known.met target: it keeps a replica of the file, applies the owner's
// patches, and encodes and writes it with its own sink, off the owner's event loop.
import { serveReplica } from "@snapwrite/executor-worker";
import { createKnownMetReplica } from "@snapwrite/formats-met";
import { createFsSink } from "@snapwrite/sink-fs";

serveReplica({
  name: "known.met",
  // sink-fs keeps no chunk once a write resolved, so the replica may lend its own storage to each
  // save instead of copying the whole file into fresh chunks (borrowChunks).
  createReplica: () => createKnownMetReplica({ header: "auto", borrowChunks: true }),
  createSink: ({ dir }) => createFsSink({ dir }),
});
