// What taking the known.met codec's chunks from codec-kit's chunk pool costs an encode whose chunks
// are never released (the earlier check's throughput loop drains the codec with no sink): the
// default codec (pooled) against `createKnownMetCodec({ pool: false })`, each encode draining the
// codec once and keeping nothing, in alternating rounds in one process after a full collection.
// Per variant: medians of MB/s and of the collections during an encode (scavenges, mark-compacts,
// their pause). Run: npm run build -w @snapwrite/bench && npm run profile:pool-encode -w
// @snapwrite/bench [-- --records 1000000 --rounds 10]

import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { Codec } from "@snapwrite/core";
import type { KnownMet } from "@snapwrite/formats-met";
import { chunkPoolVariants } from "./chunk-pool-variants.js";
import { recordGcs } from "./gc-attribution.js";
import { positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "10" },
    seed: { type: "string", default: "20261122" },
  },
  strict: true,
});

interface EncodeFigures {
  readonly mbps: number;
  readonly scavenges: number;
  readonly markCompacts: number;
  readonly gcMs: number;
}

/** Lets the GC observer's entries arrive (they are delivered some turns later). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** Drains `codec.encode(value)` once, keeping nothing; MB/s and the collections meanwhile. */
async function encodeOnce(
  codec: Codec<KnownMet>,
  value: KnownMet,
  gcs: ReturnType<typeof recordGcs>,
): Promise<EncodeFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  await settle();
  gcs.take();
  const start = performance.now();
  let bytes = 0;
  for (const chunk of codec.encode(value)) bytes += chunk.byteLength;
  const end = performance.now();
  await settle();
  const during = gcs.take().filter((gc) => gc.startMs >= start && gc.endMs <= end);
  return {
    mbps: bytes / 1e6 / ((end - start) / 1000),
    scavenges: during.filter((gc) => gc.kind === "scavenge").length,
    markCompacts: during.filter((gc) => gc.kind === "mark-compact").length,
    gcMs: during.reduce((sum, gc) => sum + (gc.endMs - gc.startMs), 0),
  };
}

function line(name: string, list: readonly EncodeFigures[]): string {
  const m = (pick: (f: EncodeFigures) => number, digits = 0): string =>
    median(list.map(pick)).toFixed(digits);
  const all = list.map((f) => f.mbps.toFixed(0)).join(" ");
  return `${name.padEnd(14)} ${m((f) => f.mbps)} MB/s (rounds ${all}), scavenges ${m((f) => f.scavenges)}, mark-compacts ${m((f) => f.markCompacts)}, GC pauses ${m((f) => f.gcMs, 1)} ms`;
}

async function main(): Promise<void> {
  const records = positiveArg("records", args.records);
  const rounds = positiveArg("rounds", args.rounds);
  const { value, codecs } = await chunkPoolVariants(records, Number(args.seed));
  process.stdout.write(`load ${loadavg()[0]?.toFixed(2)}, ${records} records, ${rounds} rounds\n`);
  const gcs = recordGcs();
  const figures = new Map<string, EncodeFigures[]>();
  try {
    const names = Object.keys(codecs);
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const f = await encodeOnce(codecs[name] as Codec<KnownMet>, value, gcs);
        figures.set(name, [...(figures.get(name) ?? []), f]);
      }
    }
  } finally {
    gcs.stop();
  }
  for (const [name, list] of figures) process.stdout.write(`${line(name, list)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
