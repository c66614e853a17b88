// The store bench's warm-load measurement, run in a process of its own: a daemon warm-loads when
// it starts, with a heap that holds nothing else, so the bench does not time the load inside the
// heap its update runs left behind. Alternates `rounds` of "decode the newest snapshot alone" and
// "open the store (snapshot + journal replay)", each after a full collection, and prints the
// medians as one JSON line. Run by store-bench-store.ts:
//   node --expose-gc dist/store-warm-load.js <store dir> <rounds>

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { keyedSnapshotCodec, openKeyedBenchStore, positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { mb } from "./store-bench-run.js";

/** What the child prints: medians over the rounds. */
export interface WarmLoadSample {
  readonly totalMs: number;
  readonly decodeMs: number;
  readonly replayed: number;
  readonly rssMb: number;
  readonly rounds: number;
}

const snapshotCodec = keyedSnapshotCodec("store-bench");

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  gc();
}

async function newestSnapshot(dir: string): Promise<string> {
  const name = (await readdir(dir))
    .filter((f) => f.includes(".snap."))
    .sort((a, b) => Number(a.split(".snap.")[1]) - Number(b.split(".snap.")[1]))
    .pop();
  if (name === undefined) throw new Error(`no snapshot in ${dir}`);
  return join(dir, name);
}

async function main(): Promise<void> {
  const [dir, roundsText] = process.argv.slice(2);
  if (dir === undefined) throw new Error("usage: store-warm-load.js <store dir> <rounds>");
  const rounds = positiveArg("rounds", roundsText);
  const snapBytes = await readFile(await newestSnapshot(dir));
  const decodes: number[] = [];
  const loads: number[] = [];
  let replayed = 0;
  let rss = 0;
  for (let round = 0; round < rounds; round++) {
    collect();
    const t0 = performance.now();
    snapshotCodec.decode(snapBytes);
    decodes.push(performance.now() - t0);
    collect();
    const { store, load } = await openKeyedBenchStore(dir, snapshotCodec);
    loads.push(load.timings.totalMs);
    replayed = load.replayed;
    rss = Math.max(rss, process.memoryUsage().rss);
    await store.close();
  }
  const sample: WarmLoadSample = {
    totalMs: median(loads),
    decodeMs: median(decodes),
    replayed,
    rssMb: mb(rss),
    rounds,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

await main();
