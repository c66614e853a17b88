// Owner-thread cost of one patch, as the bench's known.met workload posts them: one 200-byte record
// (a view into a shared slab) per change. Times every `patch()`/`patchBytes()` call and every
// `postMessage` the replica makes (where structured clone and transfer happen). Reports, per patch,
// the mean (what the owner pays in total, including moments the machine took the CPU away) and a
// typical cost: the median call plus the median message cost spread over the patches it carried.
// The timer that ends a `batchDelayMs` window (one per message) is left out.
// Usage (after `npm run build -w @snapwrite/executor-worker`):
//   node packages/executor-worker/bench/patch-cost.mjs [changes=20000] [mode=object|bytes|none] [gapMs=0]
// gapMs 1 spaces the changes one ms apart like the bench's workload: the worst case for batching by
// time (about 20 patches per message at the default batchDelayMs of 20 ms). Mode "none" times the
// harness alone.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { createWorkerReplica } from "../dist/index.js";

const changes = Number(process.argv[2] ?? 20_000);
const mode = process.argv[3] ?? "object";
const gapMs = Number(process.argv[4] ?? 0);
const record = new Uint8Array(4096).fill(7).subarray(1000, 1200);

let posts = [];
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function timedPostMessage(...args) {
  const t0 = performance.now();
  try {
    return post.apply(this, args);
  } finally {
    posts.push(performance.now() - t0);
  }
};

function nextTurn() {
  return new Promise((resolve) => (gapMs > 0 ? setTimeout(resolve, gapMs) : setImmediate(resolve)));
}

function median(values) {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length >> 1];
}

async function round(replica) {
  const calls = new Float64Array(changes);
  posts = [];
  for (let i = 0; i < changes; i++) {
    const t0 = performance.now();
    if (mode === "bytes") replica.patchBytes(1, record);
    else if (mode === "object") replica.patch({ op: "put", record: record.slice() });
    calls[i] = performance.now() - t0;
    await nextTurn();
  }
  await new Promise((resolve) => setTimeout(resolve, 50)); // the last window's flush
  const postSum = posts.reduce((a, b) => a + b, 0);
  const callSum = calls.reduce((a, b) => a + b, 0);
  return {
    meanUs: Number((((callSum + postSum) * 1000) / changes).toFixed(3)),
    typicalUs: Number(
      ((median(calls) + (median(posts) * posts.length) / changes) * 1000).toFixed(3),
    ),
    patchesPerMessage: posts.length === 0 ? 0 : Number((changes / posts.length).toFixed(1)),
    callMedianUs: Number((median(calls) * 1000).toFixed(3)),
    messageMedianUs: Number((median(posts) * 1000).toFixed(3)),
  };
}

const replica = createWorkerReplica({
  module: new URL("./patch-cost-worker.mjs", import.meta.url),
});
const rounds = [];
for (let i = 0; i < 3; i++) rounds.push(await round(replica));
const outcome = await replica.run({
  target: "count",
  generation: 1,
  attempt: 1,
  signal: new AbortController().signal,
});
await replica.close();
console.log(
  JSON.stringify({
    mode,
    changes,
    gapMs,
    rounds,
    patches: replica.stats.patches,
    bytesSeenByWorker: outcome.ok ? outcome.bytes : outcome.error.message,
    bytesSent: mode === "none" ? 0 : 3 * changes * record.byteLength,
  }),
);
