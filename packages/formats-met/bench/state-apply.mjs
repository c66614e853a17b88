// Owner-thread cost of one commit's apply on a known.met durable store's state: the record-list
// `applyKnownMetOps` (copies the list: O(records)) against the structurally shared `KnownMetState`
// with `applyKnownMetStateOps` (O(log records)). Each apply gets the previous apply's result, as a
// store's commits do, and one op: an upsert of an existing hash (replaced in place) or, every
// fourth, of a new hash (appended). The state is a decoded file of <records> 58-byte records.
// Also reports the one-off cost of building each from the file (decode) and, in the first round of
// each size, the heap each keeps.
// Usage (after `npx turbo run build --filter=@snapwrite/formats-met`; --expose-gc for the heap):
//   node --expose-gc packages/formats-met/bench/state-apply.mjs [records=100000,1000000] [rounds=3]
import { performance } from "node:perf_hooks";
import {
  applyKnownMetOps,
  applyKnownMetStateOps,
  assembleKnownFileRecord,
  createMetTag,
  knownMetCodec,
  knownMetStateCodec,
} from "../dist/index.js";

const sizes = (process.argv[2] ?? "100000,1000000").split(",").map(Number);
const rounds = Number(process.argv[3] ?? 3);

function hashOf(id) {
  const hash = new Uint8Array(16);
  new DataView(hash.buffer).setUint32(0, id, true);
  hash[15] = 0x77;
  return hash;
}

function record(id, size) {
  return assembleKnownFileRecord({
    date: 1_700_000_000,
    hash: hashOf(id),
    partHashes: [],
    tags: [
      createMetTag({ id: 1, type: "string", value: `file ${String(id).padStart(9, "0")}.mkv` }),
      createMetTag({ id: 2, type: "uint32", value: size }),
    ],
  });
}

/** A known.met file of n records: one template record copied n times, each with its own hash. */
function fileOf(n) {
  const template = record(0, 1234).bytes;
  const file = new Uint8Array(5 + n * template.length);
  file[0] = 0x0e;
  new DataView(file.buffer).setUint32(1, n, true);
  for (let i = 0; i < n; i++) {
    const at = 5 + i * template.length;
    file.set(template, at);
    file.set(hashOf(i), at + 4); // date (4 bytes), then the hash
  }
  return file;
}

let heapRound = true;
function heap() {
  // Only the first round of a size: later rounds start with the previous round's garbage.
  if (globalThis.gc === undefined || !heapRound) return Number.NaN;
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}
const mib = (bytes) => (Number.isNaN(bytes) ? "n/a" : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

/** Mean µs per apply over `count` single-op applies chained from `start`. */
function timeApplies(start, apply, n, count) {
  const ops = Array.from({ length: count }, (_, k) => {
    const id = k % 4 === 3 ? n + k : (k * 7919) % n;
    return [{ op: "upsert", record: record(id, k) }];
  });
  let state = apply(start, ops[0]); // warm up (the list materializes its records here)
  const t0 = performance.now();
  for (let k = 1; k < count; k++) state = apply(state, ops[k]);
  return ((performance.now() - t0) * 1000) / (count - 1);
}

for (const n of sizes) {
  const file = fileOf(n);
  heapRound = true;
  for (let round = 1; round <= rounds; round++) {
    const h0 = heap();
    let t0 = performance.now();
    const list = knownMetCodec.decode(file);
    const listDecodeMs = performance.now() - t0;
    const listUs = timeApplies(list.records, applyKnownMetOps, n, n >= 1_000_000 ? 12 : 60);
    const h1 = heap();
    t0 = performance.now();
    const state = knownMetStateCodec.decode(file);
    const stateDecodeMs = performance.now() - t0;
    const h2 = heap();
    const stateUs = timeApplies(state, applyKnownMetStateOps, n, 20_000);
    heapRound = false;
    console.log(
      `records=${n} round=${round}: applyKnownMetOps ${listUs.toFixed(0)} µs/apply` +
        ` (decode ${listDecodeMs.toFixed(0)} ms) | applyKnownMetStateOps ${stateUs.toFixed(1)} µs/apply` +
        ` (decode ${stateDecodeMs.toFixed(0)} ms, state heap ${mib(h2 - h1)}, list heap ${mib(h1 - h0)})`,
    );
  }
}
