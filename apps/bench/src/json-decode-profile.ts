// Where the JSON codec's decode spends its time against the naive `JSON.parse(buffer.toString())`
// (goal 2): the bench's JSON state of `--records` records, encoded once by the plain codec and once
// by the versioned one, then each step below timed in alternating rounds (the order turns every
// round), after a full GC each; medians and bests of the rounds. `--like-bench` forces no GC, as the
// bench's codec step: then the GC pauses (PerformanceObserver "gc" entries) inside each step are
// summed too, to see which step pays for the garbage of the ones before. Run: npm run build -w
// @snapwrite/bench && npm run profile:json-decode -w @snapwrite/bench [-- --records 1000000
// --rounds 5 --like-bench]

import { isUtf8 } from "node:buffer";
import { loadavg } from "node:os";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createJsonCodec } from "@snapwrite/formats-json";
import { encodeToBuffer } from "./bench-format.js";
import { buildItems } from "./bench-run.js";
import { toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import { positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { fmt } from "./store-bench-run.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "5" },
    seed: { type: "string", default: "20261122" },
    "like-bench": { type: "boolean", default: false },
  },
  strict: true,
});

/** The bench's pass-through Standard Schema: the cost of the validation hook itself. */
const passThrough = {
  "~standard": { version: 1, vendor: "bench", validate: (value: unknown) => ({ value }) },
} as const;

const plain = createJsonCodec<unknown>();
const envelope = createJsonCodec<unknown>({ version: 1, validate: passThrough });
const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

interface Inputs {
  readonly plainBytes: Buffer;
  readonly envelopeBytes: Buffer;
  readonly viaToString: string;
  readonly viaDecoder: string;
}

/** The steps, each one whole operation on the plain bytes unless its name says otherwise. */
const STEPS: Record<string, (inputs: Inputs) => unknown> = {
  "buffer.toString()": ({ plainBytes }) => plainBytes.toString(),
  "fatal TextDecoder": ({ plainBytes }) => fatal.decode(plainBytes),
  "isUtf8()": ({ plainBytes }) => isUtf8(plainBytes),
  "JSON.parse of the toString() text": ({ viaToString }) => JSON.parse(viaToString),
  "JSON.parse of the TextDecoder text": ({ viaDecoder }) => JSON.parse(viaDecoder),
  "naive: JSON.parse(buffer.toString())": ({ plainBytes }) => JSON.parse(plainBytes.toString()),
  "JSON.parse(fatal TextDecoder)": ({ plainBytes }) => JSON.parse(fatal.decode(plainBytes)),
  "isUtf8() + JSON.parse(toString())": ({ plainBytes }) =>
    isUtf8(plainBytes) ? JSON.parse(plainBytes.toString()) : undefined,
  "codec.decode": ({ plainBytes }) => plain.decode(plainBytes),
  "envelope codec.decode (version + validate)": ({ envelopeBytes }) =>
    envelope.decode(envelopeBytes),
};

const BENCH_STEPS = [
  "naive: JSON.parse(buffer.toString())",
  "codec.decode",
  "envelope codec.decode (version + validate)",
];

/** A full collection before each timing, so no step pays for the garbage of the one before. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** GC pauses seen so far: start and duration, ms on the `performance.now()` clock. */
const pauses: { start: number; duration: number }[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    pauses.push({ start: entry.startTime, duration: entry.duration });
});

/** Lets the observer's callback run, so the pauses of the last step are in `pauses`. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

function pausedWithin(from: number, to: number): number {
  let ms = 0;
  for (const p of pauses) if (p.start >= from && p.start < to) ms += p.duration;
  return ms;
}

async function main(): Promise<void> {
  const records = positiveArg("records", args.records);
  const rounds = positiveArg("rounds", args.rounds);
  const seed = Number(args.seed);
  const state = toJsonKnownState(buildItems(records, seed, toJsonKnownFile));
  const plainBytes = encodeToBuffer(plain, state);
  const envelopeBytes = encodeToBuffer(envelope, state);
  const likeBench = args["like-bench"] === true;
  // Like the bench: its three decode contenders only, and no 386 MB texts kept alive beside them.
  const inputs: Inputs = {
    plainBytes,
    envelopeBytes,
    viaToString: likeBench ? "" : plainBytes.toString(),
    viaDecoder: likeBench ? "" : fatal.decode(plainBytes),
  };
  const names = likeBench ? BENCH_STEPS : Object.keys(STEPS);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  const gcTimes = new Map<string, number[]>(names.map((name) => [name, []]));
  observer.observe({ entryTypes: ["gc"] });
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as string;
      if (!likeBench) collect();
      await settle();
      const t0 = performance.now();
      STEPS[name]?.(inputs);
      const t1 = performance.now();
      await settle();
      times.get(name)?.push(t1 - t0);
      gcTimes.get(name)?.push(pausedWithin(t0, t1));
    }
  }
  observer.disconnect();
  const naive = median(times.get("naive: JSON.parse(buffer.toString())") ?? []);
  console.log(
    `${records.toLocaleString()} records, ${fmt(plainBytes.byteLength / 1e6, 1)} MB, medians and bests of ${rounds} rounds, ${likeBench ? "no forced GC" : "a full GC before each"} (load average ${loadavg()
      .map((l) => fmt(l, 1))
      .join(", ")})`,
  );
  console.log("| step | median ms | best ms | median / naive | GC pauses in it, median ms |");
  console.log("|---|---|---|---|---|");
  for (const [name, t] of times) {
    console.log(
      `| ${name} | ${fmt(median(t), 0)} | ${fmt(Math.min(...t), 0)} | ${fmt(median(t) / naive, 2)}× | ${fmt(median(gcTimes.get(name) ?? []), 0)} |`,
    );
  }
  // The state stays alive to the end, as in the bench (its heap is what a full GC has to mark).
  if (state.files.length !== records) throw new Error("the state lost records");
}

await main();
