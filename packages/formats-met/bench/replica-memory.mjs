// Memory and put cost of the worker's known.met replica (`createKnownMetReplica`): a file of
// <records> ~200-byte records is loaded, then 10% of them are replaced and 10% more appended, one
// `put` each. Memory is process.memoryUsage() heapUsed + external (external counts the
// ArrayBuffers) after gc, minus the same before the file existed; the file's own bytes count as
// the replica's (it takes them over). µs per put is the mean over those puts (binary `applyBytes`).
// Usage (after `npx turbo run build --filter=@snapwrite/formats-met`):
//   node --expose-gc packages/formats-met/bench/replica-memory.mjs [records=100000,1000000] [module]
// `module` is another build's dist/index.js, to measure an older replica the same way.
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const sizes = (process.argv[2] ?? "100000,1000000").split(",").map(Number);
const modulePath = process.argv[3];
const { assembleKnownFileRecord, createKnownMetReplica, createMetTag, KNOWN_MET_PATCH_TAGS } =
  await import(modulePath ? pathToFileURL(modulePath).href : "../dist/index.js");
if (globalThis.gc === undefined) throw new Error("run with node --expose-gc");

function record(id, version) {
  const hash = new Uint8Array(16);
  const view = new DataView(hash.buffer);
  view.setUint32(0, Math.imul(id, 0x9e3779b1) >>> 0, true); // spread like MD4
  view.setUint32(12, id, true);
  return assembleKnownFileRecord({
    date: 1_700_000_000 + version,
    hash,
    partHashes: [new Uint8Array(16).fill(id & 0xff)],
    tags: [
      createMetTag({
        id: 1,
        type: "string",
        value: `Some.Long.Show.Name.S01E${String(id).padStart(7, "0")}.Episode.Title.Here.1080p.WEB-DL.DDP5.1.H.264-GROUP.mkv`,
      }),
      createMetTag({ id: 2, type: "uint32", value: 700_000_000 + (id % 1000) }),
      createMetTag({ id: 0x34, type: "uint32", value: id }),
      createMetTag({ id: 0x50, type: "uint32", value: version }),
      createMetTag({ id: 0x51, type: "uint32", value: 3 }),
      createMetTag({ id: 0x52, type: "uint32", value: 1 }),
      createMetTag({ id: 0x53, type: "uint32", value: 0 }),
      createMetTag({ id: 0x54, type: "uint32", value: 0 }),
      createMetTag({ id: 0x55, type: "uint32", value: 0 }),
    ],
  });
}

function fileOf(n) {
  const first = record(0, 0).bytes;
  const file = new Uint8Array(5 + n * first.length);
  file[0] = 0x0e;
  new DataView(file.buffer).setUint32(1, n, true);
  for (let i = 0; i < n; i++) file.set(record(i, 0).bytes, 5 + i * first.length);
  return file;
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

for (const n of sizes) {
  const base = memory();
  let file = fileOf(n);
  const fileBytes = file.byteLength;
  // The puts, prepared outside the measure: 10% replacements, then 10% new records.
  const puts = [];
  for (let k = 0; k < n / 10; k++) puts.push(record((k * 7919) % n, 1).bytes.slice());
  for (let k = 0; k < n / 10; k++) puts.push(record(n + k, 1).bytes.slice());
  const withPuts = memory();
  const putBytes = withPuts - base - fileBytes;
  let replica = createKnownMetReplica({ header: "auto" });
  let t0 = performance.now();
  replica.apply({ op: "load", file });
  const loadMs = performance.now() - t0;
  file = undefined;
  const loaded = memory() - base - putBytes;
  t0 = performance.now();
  for (const bytes of puts) replica.applyBytes(KNOWN_MET_PATCH_TAGS.put, bytes);
  const putUs = ((performance.now() - t0) * 1000) / puts.length;
  const after = memory() - base - putBytes;
  t0 = performance.now();
  let encoded = 0;
  for (const chunk of replica.encode()) encoded += chunk.byteLength;
  const encodeMs = performance.now() - t0;
  console.log(
    `records=${n} file ${mib(fileBytes)}: after load ${mib(loaded)} = ${(loaded / fileBytes).toFixed(2)}× the file` +
      ` (${((loaded - fileBytes) / n).toFixed(1)} B/record beside the bytes; load ${loadMs.toFixed(0)} ms)` +
      ` | after ${puts.length} puts ${mib(after)} = ${(after / encoded).toFixed(2)}× the ${mib(encoded)} encoded` +
      ` | ${putUs.toFixed(2)} µs/put | encode ${encodeMs.toFixed(0)} ms`,
  );
  replica = undefined;
  puts.length = 0;
}
