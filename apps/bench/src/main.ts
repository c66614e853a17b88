import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createCodecFormat } from "./bench-format.js";
import { printSummary, saveResults } from "./bench-report.js";
import { type Collected, matches, runWorkload } from "./bench-run.js";
import { type BurstState, createBurstPayloadCodec } from "./burst-payload-codec.js";
import { BENCH_USAGE, BenchUsageError, parseBenchOptions } from "./cli-options.js";
import type { Contender } from "./contenders/contender.js";
import { createNaiveSyncAtomicContender } from "./contenders/naive-sync-atomic-contender.js";
import { createNaiveSyncContender } from "./contenders/naive-sync-contender.js";
import { createSnapwriteContender } from "./contenders/snapwrite-contender.js";
import { createSnapwriteWorkerContender } from "./contenders/snapwrite-worker-contender.js";
import { loadThirdPartyContenders } from "./contenders/third-party-contenders.js";
import { earlierChecks } from "./earlier-checks.js";
import { installFsCounters } from "./fs-counters.js";
import { evaluateGoals } from "./goals.js";
import { runJsonPhase } from "./json-phase.js";
import { runKnownMetPhase } from "./known-met-phase.js";
import { measureManyTargets } from "./many-targets.js";
import { createProgress } from "./progress.js";
import { measureRequestCost, type RequestCost } from "./request-cost.js";
import { loadSnapwriteModules, type SnapwriteModules } from "./snapwrite-modules.js";
import { burstDriver } from "./workload.js";

const BURST_SAVES = 1_000;
const BURST_PAYLOAD_BYTES = 1024 * 1024;
/**
 * Goal 5: dirty targets flushed through one writer, the writes in flight the bench allows, and its
 * alternating rounds (writer and sink passes, order reversed every round): the full run keeps the
 * goal's 10,000 targets per pass, the quick run fewer per pass, so the phase takes about as long as
 * one pass of each did before.
 */
// Each pass cut into segments that alternate with the other side's (1,000 or 2,500 targets each);
// an even number, so that each side goes first in half of every round's segments.
const MANY_TARGETS_QUICK = {
  targets: 4_000,
  rounds: 3,
  minRounds: 3,
  budgetMs: 10_000,
  segments: 4,
};
const MANY_TARGETS_FULL = {
  targets: 10_000,
  rounds: 5,
  minRounds: 3,
  budgetMs: 30_000,
  segments: 4,
};
const MANY_TARGETS_CONCURRENCY = 16;

/** The contenders of the bench: `all` run every workload, `worker` known.met, `sliced1ms` single saves and known.met periodic. */
async function createContenders(
  modules: SnapwriteModules,
): Promise<{ all: Contender[]; worker: Contender; sliced1ms: Contender }> {
  const thirdParty = await loadThirdPartyContenders();
  const snapwrite = (executor: "inline" | "sliced", sink: "fs" | "memory"): Contender =>
    createSnapwriteContender({ modules, executor, sink });
  const all: Contender[] = [
    createNaiveSyncContender(),
    createNaiveSyncAtomicContender(),
    ...thirdParty,
    snapwrite("inline", "fs"),
    snapwrite("sliced", "fs"),
    snapwrite("sliced", "memory"),
  ];
  // The sliced executor with a 1 ms budget also runs the single saves and the known.met periodic
  // workload: the default 4 ms slice alone is far above the control run's p99 (goal 1).
  const worker = createSnapwriteWorkerContender({
    modules,
    workerModule: new URL("./known-met-replica-worker.js", import.meta.url),
  });
  const sliced1ms = createSnapwriteContender({
    modules,
    executor: "sliced",
    sink: "fs",
    sliceBudgetMs: 1,
  });
  return { all, worker, sliced1ms };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return;
  }
  const progress = createProgress();
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = loadavg().map((value) => Number(value.toFixed(2)));
  if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
    progress.step("note: run with --expose-gc for comparable memory numbers (npm run bench does)");
  }
  const counters = await installFsCounters();
  const modules = await loadSnapwriteModules();
  for (const [name, reason] of Object.entries(modules.missing)) {
    progress.step(`not available: ${name} (${reason})`);
  }
  const { all, worker, sliced1ms } = await createContenders(modules);
  const root = await mkdtemp(join(tmpdir(), "snapwrite-bench-"));
  const collected: Collected = {
    runs: [],
    codecs: [],
    bare: [],
    jsonCodec: [],
    warmLoads: [],
    manyTargets: undefined,
    patchCosts: [],
    traces: undefined,
  };
  let requestCost: RequestCost | undefined;
  try {
    const context = {
      counters,
      root,
      progress,
      options,
      collected,
      timeoutMs: options.full ? 600_000 : 60_000,
    };
    for (const records of options.recordCounts) {
      await runKnownMetPhase(records, modules, [...all, worker], [sliced1ms], context);
      await runJsonPhase(records, modules, all, [sliced1ms], context);
    }

    // Burst: 1,000 saves of a 1 MiB payload.
    await runWorkload(
      {
        id: `burst ${BURST_SAVES}×1MiB`,
        format: createCodecFormat("burst", createBurstPayloadCodec(BURST_PAYLOAD_BYTES)),
        target: "burst.bin",
        trace: false,
        drive: burstDriver(BURST_SAVES, (seq): BurstState => ({ seq })),
      },
      all.filter((c) => c.id !== "snapwrite-sliced-memory"),
      context,
    );

    if (matches(options, "targets")) {
      collected.manyTargets = await measureManyTargets(modules, root, {
        ...(options.full ? MANY_TARGETS_FULL : MANY_TARGETS_QUICK),
        concurrency: MANY_TARGETS_CONCURRENCY,
      });
      const m = collected.manyTargets;
      progress.step(
        m
          ? `${m.targets} targets × ${m.rounds.length} rounds: writer ${m.writerTargetsPerSec}/s (${m.writerMaxInFlight} in flight at most), sink alone ${m.sinkTargetsPerSec}/s (medians; ratio per round ${m.rounds.map((r) => r.ratio).join(", ")})`
          : "many targets: not available (no createPersistenceWriter/createFsSink)",
      );
    }

    if (matches(options, "request")) {
      requestCost = await measureRequestCost(modules, 1_000_000, 10);
      progress.step(
        requestCost
          ? `request(): ${requestCost.meanNs} ns mean, best round ${requestCost.bestRoundNs} ns`
          : "request(): not available (no createPersistenceWriter/createMemorySink)",
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  const goals = [
    ...evaluateGoals({
      runs: collected.runs,
      codecs: collected.codecs,
      jsonCodec: collected.jsonCodec,
      warmLoads: collected.warmLoads,
      manyTargets: collected.manyTargets,
      patchCosts: collected.patchCosts,
      recordCounts: options.recordCounts,
      genericReplicaExports: modules.genericReplicaExports,
    }),
    earlierChecks(collected, requestCost, options.recordCounts),
  ];
  const durationMs = Math.round(performance.now() - started);
  printSummary(collected, goals);
  if (options.save) {
    const report = {
      options,
      modules,
      collected,
      requestCost,
      goals,
      startedAt,
      durationMs,
      loadAtStart,
    };
    await saveResults(report, progress);
  }
  progress.step(`done in ${(durationMs / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  if (error instanceof BenchUsageError) {
    process.stderr.write(`bench: ${error.message}\n\n${BENCH_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
