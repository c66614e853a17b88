import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createCodecFormat, createJsonFormat } from "./bench-format.js";
import { type BurstState, createBurstPayloadCodec } from "./burst-payload-codec.js";
import { type BenchOptions, parseBenchOptions } from "./cli-options.js";
import { type CodecThroughput, measureCodecThroughput } from "./codec-throughput.js";
import type { Contender } from "./contenders/contender.js";
import { createControlContender } from "./contenders/control-contender.js";
import { createNaiveSyncAtomicContender } from "./contenders/naive-sync-atomic-contender.js";
import { createNaiveSyncContender } from "./contenders/naive-sync-contender.js";
import { createSnapwriteContender } from "./contenders/snapwrite-contender.js";
import { createSnapwriteWorkerContender } from "./contenders/snapwrite-worker-contender.js";
import { loadThirdPartyContenders } from "./contenders/third-party-contenders.js";
import { type EndToEndRatio, measureEndToEndRatio } from "./end-to-end-ratio.js";
import { formatTable } from "./format-table.js";
import { type FsCounters, installFsCounters } from "./fs-counters.js";
import { EXTRA_MEMORY_BUDGET_MB, type GoalCheck } from "./goals.js";
import { type JsonKnownState, toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import { type KnownFileSpec, knownFileSpecAt } from "./known-file-workload.js";
import { measureRun } from "./measure-run.js";
import { createProgress, type Progress } from "./progress.js";
import { bucketTrace, renderChartSvg, type SvgTraceSeries } from "./render-svg.js";
import { measureRequestCost, type RequestCost } from "./request-cost.js";
import { type RunResult, unavailableResult } from "./run-result.js";
import {
  type KnownMetValue,
  loadSnapwriteModules,
  type SnapwriteModules,
} from "./snapwrite-modules.js";
import type { StallTrace } from "./stall-monitor.js";
import { createStateModel } from "./state-model.js";
import { burstDriver, periodicDriver, singleSaveDriver, type Workload } from "./workload.js";

const BURST_SAVES = 1_000;
const BURST_PAYLOAD_BYTES = 1024 * 1024;
const TRACE_BUCKET_MS = 20;
const TRACED_CONTENDERS = [
  "control-no-save",
  "naive-sync",
  "snapwrite-sliced-fs",
  "snapwrite-worker-fs",
];

interface Collected {
  readonly runs: RunResult[];
  readonly codecs: Array<CodecThroughput & { records: number }>;
  readonly bare: EndToEndRatio[];
  traces: { workload: string; series: SvgTraceSeries[] } | undefined;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function periodicTiming(records: number): { durationMs: number; saveEveryMs: number } {
  return records >= 500_000
    ? { durationMs: 10_000, saveEveryMs: 2_000 }
    : { durationMs: 3_000, saveEveryMs: 500 };
}

function matches(options: BenchOptions, ...ids: string[]): boolean {
  return options.only === undefined || ids.some((id) => id.includes(options.only ?? ""));
}

async function runWorkload<T>(
  workload: Workload<T>,
  contenders: readonly Contender[],
  context: {
    counters: FsCounters;
    root: string;
    progress: Progress;
    options: BenchOptions;
    collected: Collected;
    timeoutMs: number;
  },
): Promise<void> {
  const traces: SvgTraceSeries[] = [];
  for (const contender of contenders) {
    if (!matches(context.options, workload.id, contender.id)) continue;
    const { result, trace } = await measureRun(
      workload,
      contender,
      context.counters,
      context.root,
      context.timeoutMs,
    );
    context.collected.runs.push(result);
    context.progress.step(
      result.available
        ? `${workload.id} · ${contender.id}: max stall ${result.maxStallMs} ms, p99 ${result.p99StallMs} ms, total ${result.totalMs} ms, ${result.physicalWrites} writes, ${result.fsyncs} fsyncs, final ${result.finalStateOk === null ? "n/a" : result.finalStateOk ? "ok" : "NOT ok"}${result.note ? ` (${result.note})` : ""}`
        : `${workload.id} · ${contender.id}: not available (${result.note})`,
    );
    if (trace && TRACED_CONTENDERS.includes(contender.id)) {
      traces.push({ label: contender.id, points: toPoints(trace) });
    }
  }
  if (workload.trace && traces.length > 0) {
    context.collected.traces = { workload: workload.id, series: traces };
  }
}

function toPoints(trace: StallTrace): Array<[number, number]> {
  return bucketTrace(trace.atMs, trace.gapMs, 1, TRACE_BUCKET_MS);
}

function recordMaker(modules: SnapwriteModules): ((spec: KnownFileSpec) => unknown) | undefined {
  const create = modules.createKnownFileRecord;
  if (!create) return undefined;
  return (spec) =>
    create(
      {
        name: spec.name,
        size: spec.size,
        mtime: spec.mtime,
        hash: spec.hash,
        partHashes: spec.partHashes,
        ...(spec.aichHash ? { aichHash: spec.aichHash } : {}),
        requests: spec.requests,
        accepted: spec.accepted,
        transferred: spec.transferred,
        priority: spec.priority,
        lastShared: spec.lastShared,
      },
      { flavor: "emule" },
    );
}

/** Builds `count` items from the seeded specs without keeping the specs. */
function buildItems<I>(count: number, seed: number, toItem: (spec: KnownFileSpec) => I): I[] {
  const items: I[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = toItem(knownFileSpecAt(i, seed));
  return items;
}

const countLabel = (records: number): string =>
  records >= 1_000_000 ? `${records / 1_000_000}M` : `${records / 1000}k`;

/**
 * The known.met phase: codec throughput, single saves, periodic saves while mutating, and the bare
 * write floor. Its state is dropped before the JSON phase so the two never share the heap.
 */
async function runKnownMetPhase(
  records: number,
  modules: SnapwriteModules,
  contenders: readonly Contender[],
  periodicExtra: readonly Contender[],
  context: Parameters<typeof runWorkload>[2],
): Promise<void> {
  const { progress, options, collected, root } = context;
  const label = countLabel(records);
  const toRecord = recordMaker(modules);
  const metCodec = modules.knownMetCodec;
  if (!toRecord || !metCodec) {
    const reason =
      modules.missing.createKnownFileRecord ?? modules.missing.knownMetCodec ?? "not available";
    progress.step(`known.met not available: ${reason}`);
    for (const workload of [`known.met save ${label}`, `known.met periodic ${label}`]) {
      for (const contender of contenders) {
        collected.runs.push(unavailableResult(workload, contender.id, reason));
      }
    }
    return;
  }
  const started = performance.now();
  const knownRecords = buildItems(records, options.seed, toRecord);
  const metState: KnownMetValue = { header: "auto", records: knownRecords };
  const metFormat = createCodecFormat("known.met", metCodec);
  progress.step(
    `built ${records} known.met records in ${(performance.now() - started).toFixed(0)} ms`,
  );

  let encoded: Uint8Array[] | undefined;
  if (matches(options, "codec", "known.met")) {
    try {
      const result = measureCodecThroughput(metCodec, metState, records >= 500_000 ? 3 : 7);
      collected.codecs.push({ ...result.throughput, records });
      encoded = result.encoded;
      const t = result.throughput;
      progress.step(
        `known.met ${label} codec: ${mb(t.bytes)}, encode ${t.encodeMBps} MB/s, decode ${t.decodeMBps} MB/s`,
      );
    } catch (error) {
      progress.step(`known.met codec failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  if (encoded) {
    const ratio = await measureEndToEndRatio(
      modules,
      root,
      metCodec,
      metState,
      encoded,
      records,
      3,
      context.counters,
    );
    encoded = undefined;
    collected.bare.push(ratio);
    progress.step(
      `end-to-end vs bare (${mb(ratio.bytes)}, medians of ${ratio.rounds} interleaved rounds): bare writev+fsync+rename ${ratio.bareMs} ms (IOV_MAX batches ${ratio.bareLargeBatchesMs} ms, 1 MiB batches ${ratio.bareMiBBatchesMs} ms), snapwrite sliced ${ratio.slicedMs ?? "n/a"} ms (${ratio.ratioSliced ?? "n/a"}×), inline ${ratio.inlineMs ?? "n/a"} ms (${ratio.ratioInline ?? "n/a"}×)`,
    );
  }

  await runWorkload(
    {
      id: `known.met save ${label}`,
      format: metFormat,
      target: "known.met",
      initial: () => metState,
      trace: false,
      drive: singleSaveDriver(metState),
    },
    contenders,
    context,
  );

  const timing = periodicTiming(records);
  await runWorkload(
    {
      id: `known.met periodic ${label}`,
      format: metFormat,
      target: "known.met",
      initial: () => metState,
      schedule: { debounceMs: 100, maxDelayMs: timing.saveEveryMs },
      trace: true,
      drive: periodicDriver<KnownMetValue>({
        model: () =>
          createStateModel({
            items: knownRecords,
            specSeed: options.seed,
            mutationSeed: options.seed + 1,
            toItem: toRecord,
            toValue: (items) => ({ header: "auto", records: items }),
          }),
        durationMs: timing.durationMs,
        mutateEveryMs: 1,
        saveEveryMs: timing.saveEveryMs,
      }),
    },
    [
      createControlContender(),
      ...contenders.filter((c) => c.id !== "snapwrite-sliced-memory"),
      ...periodicExtra,
    ],
    context,
  );
}

/** The JSON phase: codec throughput (one repeat: it is the reference, not a goal) and single saves. */
async function runJsonPhase(
  records: number,
  modules: SnapwriteModules,
  contenders: readonly Contender[],
  context: Parameters<typeof runWorkload>[2],
): Promise<void> {
  const { progress, options, collected } = context;
  const label = countLabel(records);
  const started = performance.now();
  const jsonState = toJsonKnownState(buildItems(records, options.seed, toJsonKnownFile));
  const jsonCodec = modules.createJsonCodec?.<JsonKnownState>();
  progress.step(`built the JSON state in ${(performance.now() - started).toFixed(0)} ms`);
  if (jsonCodec && matches(options, "codec", "json")) {
    try {
      const { throughput: t } = measureCodecThroughput(jsonCodec, jsonState, 1);
      collected.codecs.push({ ...t, records });
      progress.step(
        `json ${label} codec: ${mb(t.bytes)}, encode ${t.encodeMBps} MB/s, decode ${t.decodeMBps} MB/s`,
      );
    } catch (error) {
      progress.step(`json codec failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  await runWorkload(
    {
      id: `json save ${label}`,
      format: createJsonFormat(jsonCodec),
      target: "known.json",
      trace: false,
      drive: singleSaveDriver(jsonState),
    },
    contenders,
    context,
  );
}

function checkGoals(
  collected: Collected,
  requestCost: RequestCost | undefined,
  recordCounts: readonly number[],
): GoalCheck[] {
  const records = Math.max(...recordCounts);
  const label = countLabel(records);
  const run = (workload: string, contender: string): RunResult | undefined =>
    collected.runs.find((r) => r.workload === workload && r.contender === contender && r.available);
  const goals: GoalCheck[] = [];
  const control = run(`known.met periodic ${label}`, "control-no-save");
  const floor =
    control?.maxStallMs != null
      ? ` (control run without saves: ${control.maxStallMs} ms max, ${control.p99StallMs} ms p99)`
      : "";
  for (const contender of ["snapwrite-sliced-fs", "snapwrite-worker-fs"]) {
    const periodic = run(`known.met periodic ${label}`, contender);
    goals.push({
      goal: `max event-loop stall during periodic saves while mutating (${contender})`,
      target: "≤ 5 ms",
      measured: periodic?.maxStallMs != null ? `${periodic.maxStallMs} ms${floor}` : "not measured",
      reached: periodic?.maxStallMs != null ? periodic.maxStallMs <= 5 : null,
      records,
    });
    goals.push({
      goal: `p99 event-loop stall during periodic saves while mutating (${contender})`,
      target: "≤ 2 ms",
      measured: periodic?.p99StallMs != null ? `${periodic.p99StallMs} ms${floor}` : "not measured",
      reached: periodic?.p99StallMs != null ? periodic.p99StallMs <= 2 : null,
      records,
    });
  }
  const bare = collected.bare.find((b) => b.records === records);
  goals.push({
    goal: "end-to-end known.met save vs bare writev + fsync + rename of the same bytes (snapwrite-sliced-fs)",
    target: "≤ 1.5×",
    measured:
      bare?.ratioSliced != null
        ? `${bare.ratioSliced}× (${bare.slicedMs} ms vs ${bare.bareMs} ms, medians of ${bare.rounds} interleaved rounds; inline ${bare.ratioInline}×)`
        : "not measured",
    reached: bare?.ratioSliced != null ? bare.ratioSliced <= 1.5 : null,
    records,
  });
  goals.push({
    goal: "request() cost",
    target: "< 1 µs (1000 ns)",
    measured: requestCost
      ? `${requestCost.meanNs} ns mean over ${requestCost.calls} calls`
      : "not measured",
    reached: requestCost ? requestCost.meanNs < 1000 : null,
    records,
  });
  const save = run(`known.met save ${label}`, "snapwrite-sliced-fs");
  const metCodec = collected.codecs.find((c) => c.codec === "known.met" && c.records === records);
  const inFlight = bare?.inFlightPeakBytes ?? null;
  goals.push({
    goal: "peak extra memory during a known.met save (snapwrite-sliced-fs): encoded bytes in flight (yielded by the codec, not yet written)",
    target: `bounded by the chunk budget (≤ ${EXTRA_MEMORY_BUDGET_MB} MB), not by the file size`,
    measured:
      inFlight !== null
        ? `${mb(inFlight)} in flight at most for a ${mb(bare?.bytes ?? 0)} file (chunks ≤ ${mb(bare?.maxChunkBytes ?? 0)}); the single-save run's heap+external grew ${save?.extraHeapMb ?? "?"} MB and RSS ${save?.extraRssMb ?? "?"} MB, garbage included`
        : "not measured",
    reached: inFlight !== null ? inFlight <= EXTRA_MEMORY_BUDGET_MB * 1e6 : null,
    records,
  });
  goals.push({
    goal: "known.met encode throughput",
    target: "≥ 1000 MB/s",
    measured: metCodec ? `${metCodec.encodeMBps} MB/s` : "not measured",
    reached: metCodec ? metCodec.encodeMBps >= 1000 : null,
    records,
  });
  goals.push({
    goal: "known.met decode throughput",
    target: "≥ 1000 MB/s",
    measured: metCodec ? `${metCodec.decodeMBps} MB/s` : "not measured",
    reached: metCodec ? metCodec.decodeMBps >= 1000 : null,
    records,
  });
  return goals;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
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
  // The periodic workload also runs the sliced executor with a 1 ms budget: the default 4 ms slice
  // alone takes most of the 5 ms stall goal.
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
  const root = await mkdtemp(join(tmpdir(), "snapwrite-bench-"));
  const collected: Collected = { runs: [], codecs: [], bare: [], traces: undefined };
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
      await runJsonPhase(records, modules, all, context);
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

  const goals = checkGoals(collected, requestCost, options.recordCounts);
  const durationMs = Math.round(performance.now() - started);
  process.stdout.write(`\n${formatTable(collected.runs)}\n\n`);
  process.stdout.write("Codecs (best of repeats; MB = 10^6 bytes):\n");
  for (const c of collected.codecs) {
    process.stdout.write(
      `  ${c.codec} ${c.records}: ${mb(c.bytes)} in ${c.chunks} chunks (max ${c.maxChunkBytes} B); encode ${c.encodeMs} ms = ${c.encodeMBps} MB/s; decode ${c.decodeMs} ms = ${c.decodeMBps} MB/s\n`,
    );
  }
  for (const b of collected.bare) {
    process.stdout.write(
      `  end-to-end ${b.records} (${mb(b.bytes)}): bare writev+fsync+rename ${b.bareMs} ms (IOV_MAX batches ${b.bareLargeBatchesMs} ms, 1 MiB batches ${b.bareMiBBatchesMs} ms); snapwrite sliced ${b.slicedMs ?? "n/a"} ms (${b.ratioSliced ?? "n/a"}×), inline ${b.inlineMs ?? "n/a"} ms (${b.ratioInline ?? "n/a"}×)\n`,
    );
  }
  process.stdout.write("\nGoals (issue 6):\n");
  for (const g of goals) {
    const verdict = g.reached === null ? "NOT MEASURED" : g.reached ? "reached" : "MISSED";
    process.stdout.write(
      `  [${verdict}] ${g.goal} @${g.records}: target ${g.target}; measured ${g.measured}\n`,
    );
  }

  if (options.save) {
    const here = dirname(fileURLToPath(import.meta.url));
    const resultsDir = resolve(here, "..", "results");
    await mkdir(resultsDir, { recursive: true });
    const cpuList = cpus();
    const meta = {
      startedAt: startedAt.toISOString(),
      durationMs,
      mode: options.full ? "full" : "quick",
      recordCounts: options.recordCounts,
      only: options.only ?? null,
      seed: options.seed,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? "unknown",
      totalMemoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
      tmpdir: tmpdir(),
      unavailable: modules.missing,
      methods: {
        stall:
          "max of monitorEventLoopDelay({resolution:1}) (minus the resolution) and a 1 ms setInterval tick-gap monitor; p99 over tick delays corrected for coordinated omission",
        ownerMs:
          "time inside the owner's save calls (sync save, or library call incl. serialization, or request())",
        totalMs: "first save call until every save has resolved/stored",
        io: "in-process wrappers around node:fs, node:fs/promises and FileHandle.prototype installed before any contender is imported; physicalWrites = files opened for writing + path-based writeFile calls; fsyncs include directory fsyncs",
        memory:
          "process.memoryUsage() sampled every 5 ticks (and right after the owner's calls); extraRssMb = peak RSS - RSS at the start of the run (after gc); extraHeapMb = peak (heapUsed + external) - start",
      },
    };
    const latest = {
      meta,
      runs: collected.runs,
      codecs: collected.codecs,
      endToEnd: collected.bare,
      requestCost: requestCost ?? null,
      goals,
    };
    const baseName = options.full ? "latest-full" : "latest";
    await writeFile(join(resultsDir, `${baseName}.json`), `${JSON.stringify(latest, null, 2)}\n`);
    const svg = renderChartSvg({
      title: "snapwrite bench: max event-loop stall per contender",
      subtitle: `${meta.mode} run, ${options.recordCounts.join(" + ")} records, Node ${process.version}, ${meta.cpus} × ${meta.cpuModel}, ${startedAt.toISOString()}`,
      groups: groupBars(collected.runs),
      traceTitle: collected.traces
        ? `Stall over time: ${collected.traces.workload} (owner mutates every 1 ms)`
        : "Stall over time: not available",
      traces: collected.traces?.series ?? [],
    });
    await writeFile(join(resultsDir, `${baseName}.svg`), svg);
    progress.step(`wrote ${join(resultsDir, `${baseName}.json`)} and ${baseName}.svg`);
  }
  progress.step(`done in ${(durationMs / 1000).toFixed(1)} s`);
}

function groupBars(runs: readonly RunResult[]) {
  const groups = new Map<string, { label: string; value: number | null }[]>();
  for (const run of runs) {
    let bars = groups.get(run.workload);
    if (!bars) {
      bars = [];
      groups.set(run.workload, bars);
    }
    bars.push({ label: run.contender, value: run.available && !run.note ? run.maxStallMs : null });
  }
  return [...groups].map(([title, bars]) => ({ title, bars }));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
