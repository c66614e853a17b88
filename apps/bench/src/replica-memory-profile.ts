// Goal 4's replica memory without the rest of the bench: the bench's own worker module
// (known-met-replica-worker.ts: serveReplica, createKnownMetReplica with borrowChunks, sink-fs,
// the heap + external peak sampled after each write) is filled with the bench's known.met state and
// fed its periodic workload's changes as binary `put` patches, `--rounds` rounds of `--changes`
// changes with a save after each. Prints the worker's peak after every save, and above the same
// worker's peak with an empty replica first (the thread's own floor; the bench subtracts an idle
// worker's peak measured the same way), and checks that the last file equals the owner's encode of
// its state byte for byte.
//   node dist/replica-memory-profile.js [--records 1000000] [--rounds 5] [--changes 2000] [--seed 20261122]

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeToBuffer } from "./bench-format.js";
import { buildItems } from "./bench-run.js";
import { readTargetFile } from "./contenders/read-target-file.js";
import { FS_COUNT_FIELDS } from "./fs-counters.js";
import { positiveArg } from "./keyed-bench-store.js";
import { recordMaker } from "./known-met-phase.js";
import { type KnownMetValue, loadSnapwriteModules } from "./snapwrite-modules.js";
import { createStateModel } from "./state-model.js";

/** `KNOWN_MET_PATCH_TAGS.put` of `@snapwrite/formats-met`. */
const PUT = 1;
const TARGET = "known.met";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "5" },
    changes: { type: "string", default: "2000" },
    seed: { type: "string", default: "20261122" },
  },
  strict: true,
});
const records = positiveArg("records", args.records);
const rounds = positiveArg("rounds", args.rounds);
const changes = positiveArg("changes", args.changes);
const seed = positiveArg("seed", args.seed);

const modules = await loadSnapwriteModules();
const toRecord = recordMaker(modules);
const { createPersistenceWriter, createWorkerReplica, knownMetCodec: codec } = modules;
if (!toRecord || !codec || !createPersistenceWriter || !createWorkerReplica) {
  throw new Error(`a package is missing: ${JSON.stringify(modules.missing)}`);
}

const items = buildItems(records, seed, toRecord);
const value = (list: readonly unknown[]): KnownMetValue =>
  ({ header: "auto", records: list }) as unknown as KnownMetValue;
// A fresh, exactly sized buffer, transferred to the worker like the bench's first fill.
const file = new Uint8Array(encodeToBuffer(codec, value(items)));
const fileMib = file.byteLength / 2 ** 20;
const dir = await mkdtemp(join(tmpdir(), "replica-memory-"));
const memory = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
const counts = new SharedArrayBuffer(FS_COUNT_FIELDS * Float64Array.BYTES_PER_ELEMENT);
const replica = createWorkerReplica({
  module: new URL("./known-met-replica-worker.js", import.meta.url),
  options: { dir, counts, memory: memory.buffer },
});
const writer = createPersistenceWriter({});
const handle = writer.register(TARGET, { runner: replica, debounceMs: 100, maxDelayMs: 2000 });

/** The peak with the empty replica: the thread's floor, which the bench subtracts (its control). */
let floorMib: number | undefined;

async function save(label: string): Promise<void> {
  const result = await handle.saveNow(label);
  if (!result.ok) throw result.error;
  const peak = (memory[0] ?? 0) / 2 ** 20;
  const own =
    floorMib === undefined
      ? ""
      : `; above the floor ${(peak - floorMib).toFixed(1)} MiB = ${((peak - floorMib) / fileMib).toFixed(3)}×`;
  console.log(
    `${label}: worker peak ${peak.toFixed(1)} MiB = ${(peak / fileMib).toFixed(3)}×${own}`,
  );
  floorMib ??= peak;
}

try {
  const empty = Uint8Array.of(0x0e, 0, 0, 0, 0);
  replica.patch({ op: "load", file: empty }, [empty.buffer]);
  await save("empty replica (the thread's floor)");
  console.log(`file: ${records} records, ${fileMib.toFixed(1)} MiB`);
  replica.patch({ op: "load", file }, [file.buffer]);
  await save("loaded");
  const model = createStateModel({
    items,
    specSeed: seed,
    mutationSeed: seed + 1,
    toItem: toRecord,
    toValue: (list) => value(list),
  });
  for (let round = 1; round <= rounds; round++) {
    for (let i = 0; i < changes; i++) {
      const record = model.mutate() as { bytes: Uint8Array };
      replica.patchBytes?.(PUT, record.bytes);
      // Let the batches go out as the bench's one change per ms would.
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    await save(`round ${round} (${round * changes} changes)`);
  }
  const written = await readTargetFile(dir, TARGET);
  const same = Buffer.from(written).equals(encodeToBuffer(codec, model.current()));
  console.log(`last file equals the owner's encode of its state: ${same ? "yes" : "NO"}`);
  if (!same) process.exitCode = 1;
} finally {
  await writer.close({ timeoutMs: 60_000 });
  await rm(dir, { recursive: true, force: true });
}
