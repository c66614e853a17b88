// Worker module of patch-cost.mjs: a replica that only counts what it is given, and a sink that
// stores nothing, so the measurement sees the owner's cost of posting patches and nothing else.
import { serveReplica } from "../dist/index.js";

serveReplica({
  name: "count",
  createReplica() {
    let patches = 0;
    let bytes = 0;
    return {
      apply(patch) {
        patches++;
        bytes += patch.record?.byteLength ?? 0;
      },
      applyBytes(_tag, view) {
        patches++;
        bytes += view.byteLength;
      },
      *encode() {
        yield new TextEncoder().encode(`${patches} ${bytes}`);
      },
    };
  },
  createSink() {
    return {
      capabilities: { atomicReplace: true, durable: false, backup: false, crossProcessLock: false },
      async write(_target, chunks) {
        let text = "";
        for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
        return { bytes: Number(text.split(" ")[1]), durable: false, text };
      },
      async read() {
        throw new Error("write-only");
      },
    };
  },
});
