// Where a durable store's warm load spends its time: a snapshot of `--entries` records plus
// `--journal` one-put records behind it, loaded in alternating rounds by
// - "decode": the snapshot codec's decode of the snapshot file alone;
// - "read": the store with an ops codec that decodes nothing and an apply that changes nothing
//   (journal read, CRC checks, slicing);
// - "read+decode": the real ops codec, an apply that changes nothing;
// - "apply per record": `apply: applyKeyedOps` alone (one immutable apply per record);
// - "replay": the same plus `replay: replayKeyedOps` (one private copy-on-write run);
// - "replay, no yields": the same with slices too long to ever yield.
// Medians of the rounds, each timing after a full GC. Run: npm run build -w @snapwrite/bench &&
//   npm run profile:store-load -w @snapwrite/bench [-- --entries 1000000 --journal 100000 --rounds 3]

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { OpsCodec } from "@snapwrite/core";
import { createJsonOpsCodec } from "@snapwrite/formats-json";
import {
  applyKeyedOps,
  emptyCollections,
  type KeyedCollections,
  type KeyedOp,
  type OpenDurableStoreOptions,
  openDurableStore,
  replayKeyedOps,
} from "@snapwrite/store";
import { keyedSnapshotCodec, positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { entryValue, fmt, keyOf } from "./store-bench-run.js";

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    journal: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
  },
  strict: true,
});

const COLLECTION = "kv";
const snapshotCodec = keyedSnapshotCodec("store-bench");
const opsCodec = createJsonOpsCodec() as unknown as OpsCodec<KeyedOp>;
// No decodeBatch: the store then calls decode, which decodes nothing.
const skipOps: OpsCodec<KeyedOp> = { ...opsCodec, decode: () => [], decodeBatch: undefined };
const keep = (state: KeyedCollections) => state;

type Options = OpenDurableStoreOptions<KeyedCollections, KeyedOp>;
const base = (dir: string): Options => ({
  dir,
  codec: snapshotCodec,
  ops: opsCodec,
  apply: applyKeyedOps,
  empty: emptyCollections,
  compaction: false,
});

const MODES: Record<string, (dir: string) => Options> = {
  read: (dir) => ({ ...base(dir), ops: skipOps, apply: keep }),
  "read+decode": (dir) => ({ ...base(dir), apply: keep }),
  "apply per record": base,
  replay: (dir) => ({ ...base(dir), replay: replayKeyedOps }),
  "replay, no yields": (dir) => ({ ...base(dir), replay: replayKeyedOps, replaySliceMs: 1e9 }),
};

async function seed(dir: string, entries: number, journal: number): Promise<void> {
  const { store } = await openDurableStore(base(dir));
  const commit = async (ops: KeyedOp[]) => {
    const result = await store.commit("seed", () => ops).settled;
    if (!result.ok) throw result.error;
  };
  for (let from = 0; from < entries; from += 20_000) {
    const ops: KeyedOp[] = [];
    for (let i = from; i < Math.min(entries, from + 20_000); i++)
      ops.push({ op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, 0) });
    await commit(ops);
  }
  await store.compact("seeded");
  let written = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (written < journal) {
        const n = written++;
        const i = (n * 7919) % entries;
        await commit([
          { op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, -(n + 1)) },
        ]);
      }
    }),
  );
  await store.close();
}

/** A full collection before each timing, so no load pays for the garbage of the one before. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function timeDecode(dir: string): Promise<number> {
  const snap = (await readdir(dir)).filter((f) => f.includes(".snap.")).sort();
  const bytes = await readFile(join(dir, snap[snap.length - 1] as string));
  collect();
  const t0 = performance.now();
  snapshotCodec.decode(bytes);
  return performance.now() - t0;
}

async function timeLoad(options: Options): Promise<{ totalMs: number; replayMs: number }> {
  collect();
  const { store, load } = await openDurableStore(options);
  await store.close();
  return { totalMs: load.timings.totalMs, replayMs: load.timings.replayMs };
}

async function main(): Promise<void> {
  const entries = positiveArg("entries", args.entries);
  const journal = positiveArg("journal", args.journal);
  const rounds = positiveArg("rounds", args.rounds);
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-load-"));
  try {
    await seed(dir, entries, journal);
    const times = new Map<string, { total: number[]; replay: number[] }>();
    const add = (mode: string, total: number, replay: number) => {
      const t = times.get(mode) ?? { total: [], replay: [] };
      t.total.push(total);
      t.replay.push(replay);
      times.set(mode, t);
    };
    for (let round = 0; round < rounds; round++) {
      const decode = await timeDecode(dir);
      add("decode", decode, 0);
      for (const [mode, options] of Object.entries(MODES)) {
        const { totalMs, replayMs } = await timeLoad(options(dir));
        add(mode, totalMs, replayMs);
      }
    }
    const decodeMs = median(times.get("decode")?.total ?? []);
    console.log(
      `${entries.toLocaleString()}-record snapshot + ${journal.toLocaleString()} journal records, medians of ${rounds} (load average ${loadavg()
        .map((l) => fmt(l, 1))
        .join(", ")})`,
    );
    console.log("| load | total ms | replay ms | total / decode |");
    console.log("|---|---|---|---|");
    for (const [mode, t] of times) {
      const total = median(t.total);
      console.log(
        `| ${mode} | ${fmt(total, 0)} | ${mode === "decode" ? "–" : fmt(median(t.replay), 0)} | ${fmt(total / decodeMs, 2)}× |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
