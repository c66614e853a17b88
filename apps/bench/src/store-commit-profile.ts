// Where a durable store's commit group spends its time, in numbers that survive a loaded machine:
// CPU per commit (`process.cpuUsage`, all threads), thread-pool file-system requests per group
// (counted with async_hooks), group size, and wall time per group; runs alternate between the
// store's default journal writes (one O_DSYNC writev per group) and the same store given node's
// fs (so its journal writes each group with a writev and then an fdatasync), or, with
// `--baseline DIR`, between the store built in the checkout DIR and this build's. Each round
// reverses the order of the one before it.
// Run: npm run build -w @snapwrite/bench && npm run profile:store -w @snapwrite/bench
//   [-- --entries 200000 --updates 5000 --rounds 3 --callers 1,16 --durability commit|os
//       --baseline ../other-checkout]

import { createHook } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { KeyedOp } from "@snapwrite/store";
import {
  type KeyedBenchStore,
  keyedSnapshotCodec,
  openKeyedBenchStore,
} from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { createPrng } from "./prng.js";
import { entryValue, fmt, keyOf } from "./store-bench-run.js";
import {
  baselineVariants,
  type CommitVariant,
  journalWriteVariants,
  type ProfileDurability,
  SNAPSHOT_NAME,
} from "./store-commit-variants.js";

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "200000" },
    updates: { type: "string", default: "5000" },
    rounds: { type: "string", default: "3" },
    callers: { type: "string", default: "1,16" },
    durability: { type: "string", default: "commit" },
    baseline: { type: "string" },
  },
  strict: true,
});

const snapshotCodec = keyedSnapshotCodec(SNAPSHOT_NAME);

/** Thread-pool file-system requests started since the last `take()`. */
function fsRequestCounter(): { take(): number } {
  let count = 0;
  createHook({
    init(_id, type) {
      if (type.startsWith("FSREQ")) count++;
    },
  }).enable();
  return {
    take() {
      const n = count;
      count = 0;
      return n;
    },
  };
}

type Store = KeyedBenchStore;

async function put(store: Store, i: number, v: number): Promise<void> {
  const op: KeyedOp = { op: "put", collection: "kv", key: keyOf(i), value: entryValue(i, v) };
  const result = await store.commit("profile", () => [op]).settled;
  if (!result.ok) throw result.error;
}

async function seed(dir: string, entries: number): Promise<void> {
  const { store } = await openKeyedBenchStore(dir, snapshotCodec);
  for (let from = 0; from < entries; from += 20_000) {
    const ops: KeyedOp[] = [];
    for (let i = from; i < Math.min(entries, from + 20_000); i++)
      ops.push({ op: "put", collection: "kv", key: keyOf(i), value: entryValue(i, 0) });
    const result = await store.commit("seed", () => ops).settled;
    if (!result.ok) throw result.error;
  }
  await store.compact("seeded");
  await store.close();
}

interface Sample {
  readonly commitsPerSecond: number;
  readonly cpuUsPerCommit: number;
  readonly cpuUsPerGroup: number;
  readonly wallUsPerGroup: number;
  readonly groupSize: number;
  readonly fsRequestsPerGroup: number;
}

/** `updates` commits from `callers` loops, each yielding a turn after its commit like the bench. */
async function measure(
  store: Store,
  requests: { take(): number },
  entries: number,
  callers: number,
  updates: number,
): Promise<Sample> {
  const prng = createPrng(callers * 7919 + entries);
  for (let w = 0; w < 200; w++) await put(store, prng.nextInt(0, entries - 1), -(w + 1));
  const groupsBefore = store.health().groups;
  requests.take();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < updates) {
        const n = next++;
        await put(store, prng.nextInt(0, entries - 1), n);
        await new Promise<void>((r) => setImmediate(r));
      }
    }),
  );
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  const groups = store.health().groups - groupsBefore;
  return {
    commitsPerSecond: (updates * 1e6) / wallUs,
    cpuUsPerCommit: cpuUs / updates,
    cpuUsPerGroup: cpuUs / groups,
    wallUsPerGroup: wallUs / groups,
    groupSize: updates / groups,
    fsRequestsPerGroup: requests.take() / groups,
  };
}

/** This build's commits/s over the baseline's, round by round (each pair ran back to back). */
function logPairs(
  log: (line: string) => void,
  variants: readonly CommitVariant[],
  samples: ReadonlyMap<string, readonly Sample[]>,
  callers: number,
): void {
  const [baseline, current] = variants.map((v) => samples.get(`${v.label}|${callers}`) ?? []);
  const ratios = (current ?? []).map(
    (s, i) => s.commitsPerSecond / (baseline?.[i]?.commitsPerSecond ?? Number.NaN),
  );
  log(
    `${callers} callers, commits/s of this build / baseline per round: ${ratios.map((r) => fmt(r, 2)).join(" · ")} (median ${fmt(median(ratios), 2)})`,
  );
}

async function main(): Promise<void> {
  const entries = Number(args.entries);
  const updates = Number(args.updates);
  const rounds = Number(args.rounds);
  const callerCounts = String(args.callers).split(",").map(Number);
  if (args.durability !== "commit" && args.durability !== "os") {
    throw new RangeError("--durability must be commit or os");
  }
  const durability: ProfileDurability = args.durability;
  const variants: CommitVariant[] =
    args.baseline === undefined
      ? journalWriteVariants(durability)
      : await baselineVariants(args.baseline, durability);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `store commit profile: ${entries.toLocaleString()} entries, ${updates.toLocaleString()} updates, ${rounds} alternating rounds; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const root = await mkdtemp(join(tmpdir(), "snapwrite-commit-profile-"));
  const dir = join(root, "store");
  const requests = fsRequestCounter();
  const samples = new Map<string, Sample[]>();
  try {
    await seed(dir, entries);
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
        const store = await variant.open(dir);
        for (const callers of callerCounts) {
          const key = `${variant.label}|${callers}`;
          samples.set(key, [
            ...(samples.get(key) ?? []),
            await measure(store, requests, entries, callers, updates),
          ]);
        }
        await store.close();
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  log("");
  log(
    `| ${args.baseline === undefined ? "journal write" : "build"} | callers | commits/s | CPU µs/commit | CPU µs/group | wall µs/group | group size | fs requests/group |`,
  );
  log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [key, runs] of samples) {
    const [label, callers] = key.split("|");
    // One round's figures, so that the columns agree with each other: the median round by rate.
    const byRate = [...runs].sort((a, b) => a.commitsPerSecond - b.commitsPerSecond);
    const r = byRate[Math.floor((byRate.length - 1) / 2)] as Sample;
    log(
      `| ${label} | ${callers} | ${fmt(r.commitsPerSecond, 0)} | ${fmt(r.cpuUsPerCommit, 0)} | ${fmt(r.cpuUsPerGroup, 0)} | ${fmt(r.wallUsPerGroup, 0)} | ${fmt(r.groupSize, 1)} | ${fmt(r.fsRequestsPerGroup, 2)} |`,
    );
  }
  if (args.baseline !== undefined) {
    for (const callers of callerCounts) logPairs(log, variants, samples, callers);
  }
  log(
    `(the median round by commits/s of ${rounds}, durability ${durability}; CPU counts every thread of the process: main, thread pool, GC)`,
  );
}

await main();
