// What the owner's event-loop stalls are made of in the store bench's 16-caller pass: the store's
// commits alone, round by round under the bench's stall monitor, each round followed by an idle
// control window as long as it; every stall over `--threshold` ms is attributed to the garbage
// collections that overlap it (scavenge, mark-compact, incremental marking, weak callbacks) or to
// nothing the process reports (`other`: a long synchronous step, or the OS), with the part of it
// no collection covered. With `--baseline DIR` it alternates rounds between the store built in the
// checkout DIR and this build's; with `--garbage-bytes N`, between this build's store as is and the
// same store whose callers also drop N bytes of short-lived garbage per update (how a young
// collection's pause depends on the commits between two collections); with `--in-memory`, between
// this build's store and the stall goal's control run: the same updates applied to the same state
// in memory, persisted nowhere (see openInMemory), each round of either side starting with an empty
// young generation and repeated until a collection came; `--control-io` adds to that control one
// small file write per 16 updates (a diagnostic: the stalls file I/O alone brings). Each store runs on its own
// copy of one seeded directory, all open at once as in the bench. Add node's `--trace-gc-nvp` to
// see what each scavenge copied (`new_space_survived`, `promoted`).
// Run: npm run build -w @snapwrite/bench && npm run profile:stalls -w @snapwrite/bench
//   [-- --entries 1000000 --updates 2000 --rounds 6 --callers 16 --threshold 2
//       --durability commit|os --baseline DIR | --garbage-bytes 6000 | --in-memory [--control-io]]
//     [--json: a last line of JSON, for the store bench] [--sched: per stall outside collections,
//     the owner thread's time on a CPU and in the run queue, and its other threads' CPU (Linux)]

import { cp, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { KeyedOp } from "@snapwrite/store";
import { attributeStall, type GcEntry, gcOverlapMs, recordGcs } from "./gc-attribution.js";
import { keyedSnapshotCodec, openKeyedBenchStore, positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { type Contender, openInMemory, storeContender } from "./stall-contenders.js";
import type { StallReport } from "./stall-monitor.js";
import {
  controlStall,
  entryValue,
  fmt,
  keyOf,
  runUpdateRound,
  type Updater,
  updateTargets,
} from "./store-bench-run.js";
import { IN_MEMORY_LABEL, type YoungGenSample } from "./store-bench-young-gen.js";
import {
  baselineVariants,
  type CommitVariant,
  journalWriteVariants,
  type ProfileDurability,
  SNAPSHOT_NAME,
} from "./store-commit-variants.js";
import {
  busiestThreads,
  outsideShare,
  type SchedSplit,
  stolenMs,
  threadCpuMs,
  threadSchedAvailable,
} from "./thread-sched.js";

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    updates: { type: "string", default: "2000" },
    rounds: { type: "string", default: "6" },
    callers: { type: "string", default: "16" },
    threshold: { type: "string", default: "2" },
    baseline: { type: "string" },
    "garbage-bytes": { type: "string" },
    "in-memory": { type: "boolean", default: false },
    durability: { type: "string", default: "commit" },
    "control-io": { type: "boolean", default: false },
    sched: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
  strict: true,
});

/** Whether `--sched` was asked for and this kernel has the per-thread counters it reads. */
const schedAvailable = args.sched && threadSchedAvailable();

interface RoundSample {
  readonly commitsPerSecond: number;
  readonly maxStallMs: number;
  readonly controlMs: number;
  /** Stalls over the threshold by cause, their lengths in ms. */
  readonly causes: Map<string, number[]>;
  /** Per stall attributed to a GC: the part of it no collection covered, ms. */
  readonly besideGcMs: number[];
  readonly scavenges: number;
  readonly maxScavengeMs: number;
  /** Passes of the round's updates: 1, or with `--in-memory` as many as it took to collect. */
  readonly passes: number;
  /**
   * The longest stall over the threshold, or part of one, that no collection covered (a stall
   * attributed to `other`, or what a GC stall lasted beside its collection), ms; 0 when none.
   */
  readonly unexplainedMs: number;
  /** With `--sched`: each stall with over the threshold outside collections, and where it went. */
  readonly outside: readonly OutsideStall[];
  /**
   * With `--sched` (Linux): per round, the longest time the owner thread ran its own code in a
   * stall's part outside collections, and the longest it waited there for a CPU, ms.
   */
  readonly heldMs: number | undefined;
  readonly waitedMs: number | undefined;
  /** With `--sched`: the round's CPU per thread, ms: the main thread's, and the busiest others'. */
  readonly threads?: {
    readonly mainMs: number;
    readonly busiest: [number, number][];
    readonly othersMs: number;
    /** CPU time the hypervisor took from the machine during the round, ms (10 ms steps). */
    readonly stolenMs: number | undefined;
  };
}

/** A stall that lasted over the threshold outside collections, with its scheduler split. */
interface OutsideStall {
  /** The tick gap (stall plus one interval), ms: the span the split covers. */
  readonly gapMs: number;
  /** The part no collection covered, ms. */
  readonly outsideMs: number;
  readonly sched: SchedSplit;
}

/** A young-generation collection (needs `--expose-gc`; without it, nothing). */
function collectYoung(): void {
  (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}

async function seed(dir: string, entries: number): Promise<void> {
  const { store } = await openKeyedBenchStore(dir, keyedSnapshotCodec(SNAPSHOT_NAME));
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

/**
 * Passes of a round at most with `--in-memory`: each round starts with an empty young generation
 * and repeats its updates until a young-generation collection came, on both sides, since the
 * largest stall of a run grows with the collections it spans (a control pass allocates a fraction
 * of what a store pass does, and would often span none).
 */
const MAX_CONTROL_PASSES = 8;

async function measureRound(
  updater: Updater,
  gcs: { take(): GcEntry[] },
  targets: readonly number[],
  callers: number,
  version: number,
  threshold: number,
  untilScavenge: boolean,
): Promise<RoundSample> {
  // Each round starts with an empty young generation, so its first collection copies only what its
  // own updates left alive, not what the round before (the other side's) did.
  collectYoung();
  // Its entry arrives later, maybe after the round began: only collections that start after this
  // point are the round's.
  const roundStart = performance.now();
  const cpuBefore = args.sched ? threadCpuMs() : undefined;
  const stolenBefore = args.sched ? stolenMs() : undefined;
  gcs.take();
  const stalls: StallReport["stalls"][number][] = [];
  const collected: GcEntry[] = [];
  let maxStallMs = 0;
  let seconds = 0;
  let passes = 0;
  do {
    const round = await runUpdateRound(
      updater,
      targets,
      callers,
      version + passes * targets.length,
      { stallThresholdMs: threshold, sched: args.sched },
    );
    // GC entries arrive a tick after the collection.
    await new Promise<void>((r) => setImmediate(r));
    collected.push(...gcs.take().filter((g) => g.startMs >= roundStart));
    stalls.push(...round.stall.stalls);
    maxStallMs = Math.max(maxStallMs, round.stall.maxStallMs);
    seconds += round.seconds;
    passes++;
  } while (
    untilScavenge &&
    passes < MAX_CONTROL_PASSES &&
    !collected.some((g) => g.kind === "scavenge")
  );
  const causes = new Map<string, number[]>();
  const besideGcMs: number[] = [];
  let unexplainedMs = 0;
  const outside: OutsideStall[] = [];
  let heldMs = schedAvailable ? 0 : undefined;
  let waitedMs = schedAvailable ? 0 : undefined;
  for (const stall of stalls) {
    const cause = attributeStall(stall, collected);
    const length = stall.endMs - stall.startMs;
    const collectedMs = gcOverlapMs(stall, collected);
    // A stall no collection covered most of counts whole, as before; else what lay beside them.
    const outsideMs = cause === "other" ? length : length - collectedMs;
    if (stall.sched !== undefined && heldMs !== undefined && waitedMs !== undefined) {
      const share = outsideShare(stall.sched, outsideMs, collectedMs);
      heldMs = Math.max(heldMs, share.heldMs);
      waitedMs = Math.max(waitedMs, share.waitedMs);
    }
    if (cause !== "other") besideGcMs.push(outsideMs);
    unexplainedMs = Math.max(unexplainedMs, outsideMs);
    if (stall.sched !== undefined && outsideMs > threshold) {
      outside.push({ gapMs: length + 1, outsideMs, sched: stall.sched });
    }
    causes.set(cause, [...(causes.get(cause) ?? []), length]);
  }
  const scavenges = collected.filter((g) => g.kind === "scavenge");
  let threads: RoundSample["threads"];
  if (cpuBefore !== undefined) {
    const cpuAfter = threadCpuMs();
    const all = busiestThreads(cpuBefore, cpuAfter, Number.POSITIVE_INFINITY);
    threads = {
      mainMs: (cpuAfter.get(process.pid) ?? 0) - (cpuBefore.get(process.pid) ?? 0),
      busiest: all.slice(0, 4),
      othersMs: all.reduce((sum, [, ms]) => sum + ms, 0),
      stolenMs:
        stolenBefore === undefined ? undefined : (stolenMs() ?? stolenBefore) - stolenBefore,
    };
  }
  const controlMs = await controlStall(Math.max(50, Math.round(seconds * 1000)));
  return {
    commitsPerSecond: (targets.length * passes) / seconds,
    maxStallMs,
    controlMs,
    causes,
    besideGcMs,
    scavenges: scavenges.length,
    maxScavengeMs: Math.max(0, ...scavenges.map((g) => g.endMs - g.startMs)),
    passes,
    unexplainedMs,
    outside,
    heldMs,
    waitedMs,
    ...(threads === undefined ? {} : { threads }),
  };
}

/** `3.4 ms outside (gap 4.5: cpu 0.3, run queue 3.9, other threads 5.1 ms CPU)`, per stall. */
function describeOutside(outside: readonly OutsideStall[]): string {
  return outside
    .map(
      (o) =>
        `${fmt(o.outsideMs, 1)} ms outside (gap ${fmt(o.gapMs, 1)}: on CPU ${fmt(o.sched.onCpuMs, 1)}, run queue ${fmt(o.sched.runQueueMs, 1)}, other threads ${fmt(o.sched.otherThreadsCpuMs, 1)} ms CPU)`,
    )
    .join("; ");
}

function describe(causes: Map<string, number[]>): string {
  if (causes.size === 0) return "none";
  return [...causes]
    .map(([cause, ms]) => `${cause} ${ms.length}× (max ${fmt(Math.max(...ms), 1)})`)
    .join(", ");
}

/** `--durability`: `commit` (the bench's, a commit waits for the disk) or `os` (no fsync). */
function durabilityArg(): ProfileDurability {
  const durability = args.durability;
  if (durability !== "commit" && durability !== "os") {
    throw new RangeError("--durability must be commit or os");
  }
  return durability;
}

async function contenders(): Promise<Contender[]> {
  const seconds = [args.baseline, args["garbage-bytes"], args["in-memory"] || undefined];
  if (seconds.filter((a) => a !== undefined).length > 1) {
    throw new RangeError(
      "--baseline, --garbage-bytes and --in-memory each pick the second run: pick one",
    );
  }
  if (args.baseline !== undefined) {
    const variants = await baselineVariants(args.baseline, durabilityArg());
    return variants.map((variant) => storeContender(variant.label, variant, 0));
  }
  const [thisBuild] = journalWriteVariants(durabilityArg()) as [CommitVariant];
  const own = storeContender("this build", thisBuild, 0);
  if (args["in-memory"]) {
    // Both sides' rounds run until a collection came: each round then spans one, on either side.
    return [
      { ...own, untilScavenge: true },
      {
        label: IN_MEMORY_LABEL,
        open: (dir: string) => openInMemory(dir, args["control-io"]),
        untilScavenge: true,
      },
    ];
  }
  if (args["garbage-bytes"] === undefined) return [own];
  const garbageBytes = positiveArg("garbage-bytes", args["garbage-bytes"]);
  return [own, storeContender(`+${garbageBytes} B garbage/update`, thisBuild, garbageBytes)];
}

/** The owner's held and waited parts per round, when every round has them (`--sched`, Linux). */
function ownerShares(runs: readonly RoundSample[]): Pick<YoungGenSample, "heldMs" | "waitedMs"> {
  const held = runs.map((s) => s.heldMs);
  const waited = runs.map((s) => s.waitedMs);
  if (held.some((ms) => ms === undefined) || waited.some((ms) => ms === undefined)) return {};
  return { heldMs: held as number[], waitedMs: waited as number[] };
}

/** What `--json` prints as its last line, per contender: see {@link YoungGenSample}. */
function summaryOf(samples: Map<string, RoundSample[]>): Record<string, YoungGenSample> {
  const out: Record<string, YoungGenSample> = {};
  for (const [label, runs] of samples) {
    out[label] = {
      commitsPerSecond: median(runs.map((s) => s.commitsPerSecond)),
      maxStallMs: runs.map((s) => s.maxStallMs),
      controlMs: runs.map((s) => s.controlMs),
      longestScavengeMs: runs.map((s) => s.maxScavengeMs),
      passes: runs.map((s) => s.passes),
      scavenges: runs.map((s) => s.scavenges),
      unexplainedMs: runs.map((s) => s.unexplainedMs),
      ...ownerShares(runs),
    };
  }
  return out;
}

async function main(): Promise<void> {
  const entries = positiveArg("entries", args.entries);
  const updates = positiveArg("updates", args.updates);
  const rounds = positiveArg("rounds", args.rounds);
  const callers = positiveArg("callers", args.callers);
  const threshold = Number(args.threshold);
  if (!(threshold > 0 && Number.isFinite(threshold))) {
    throw new RangeError("--threshold must be a positive number of ms");
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `store stall profile: ${entries.toLocaleString()} entries, ${updates.toLocaleString()} updates × ${rounds} rounds at ${callers} callers; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const measured = await contenders();
  const root = await mkdtemp(join(tmpdir(), "snapwrite-stall-profile-"));
  const gcs = recordGcs();
  try {
    await seed(join(root, "seed"), entries);
    const opened: { label: string; updater: Updater; untilScavenge: boolean }[] = [];
    for (const [i, { label, open, untilScavenge }] of measured.entries()) {
      const dir = join(root, `store-${i}`);
      await cp(join(root, "seed"), dir, { recursive: true });
      const updater = await open(dir);
      // One untimed round first, as the bench does.
      await runUpdateRound(updater, updateTargets(1, entries, updates), callers, 1);
      opened.push({ label, updater, untilScavenge: untilScavenge ?? false });
    }
    const samples = new Map<string, RoundSample[]>();
    for (let round = 0; round < rounds; round++) {
      const targets = updateTargets(callers * 7919 + entries + round, entries, updates);
      const order = round % 2 === 0 ? opened : [...opened].reverse();
      for (const { label, updater, untilScavenge } of order) {
        const version = (round + 2) * updates * MAX_CONTROL_PASSES;
        const s = await measureRound(
          updater,
          gcs,
          targets,
          callers,
          version,
          threshold,
          untilScavenge,
        );
        samples.set(label, [...(samples.get(label) ?? []), s]);
        if (s.outside.length > 0) log(`  ${describeOutside(s.outside)}`);
        if (s.threads !== undefined) {
          log(
            `  CPU: main ${fmt(s.threads.mainMs, 0)} ms, other threads ${fmt(s.threads.othersMs, 0)} ms (busiest ${s.threads.busiest.map(([tid, ms]) => `${tid - process.pid}:${fmt(ms, 1)}`).join(" ")}); stolen by the hypervisor ${s.threads.stolenMs === undefined ? "unknown" : `${s.threads.stolenMs} ms`}`,
          );
        }
        log(
          `round ${round + 1} ${label}: ${s.passes > 1 ? `${s.passes} passes, ` : ""}${fmt(s.commitsPerSecond, 0)} commits/s, max stall ${fmt(s.maxStallMs, 2)} ms (control ${fmt(s.controlMs, 2)}); scavenges ${s.scavenges} (max ${fmt(s.maxScavengeMs, 2)} ms); stalls > ${threshold} ms: ${describe(s.causes)}; beside the GC in those: ${s.besideGcMs.map((ms) => fmt(ms, 2)).join(", ") || "-"} ms`,
        );
      }
    }
    log("");
    for (const [label, runs] of samples) {
      log(
        `${label}: commits/s median ${fmt(median(runs.map((s) => s.commitsPerSecond)), 0)}, max stall median ${fmt(median(runs.map((s) => s.maxStallMs)), 2)} ms, largest ${fmt(Math.max(...runs.map((s) => s.maxStallMs)), 2)} ms; per round ${runs.map((s) => fmt(s.maxStallMs, 1)).join(" · ")}; longest scavenge per round ${runs.map((s) => fmt(s.maxScavengeMs, 1)).join(" · ")}; control max ${fmt(Math.max(...runs.map((s) => s.controlMs)), 2)} ms`,
      );
    }
    for (const { updater } of opened) await updater.close();
    if (args.json) log(JSON.stringify(summaryOf(samples)));
  } finally {
    gcs.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
