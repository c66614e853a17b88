import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createCodecFormat, createJsonFormat } from "./bench-format.js";
import { type BurstState, createBurstPayloadCodec } from "./burst-payload-codec.js";
import { type BenchOptions, parseBenchOptions } from "./cli-options.js";
import {
  compareJsonCodec,
  compareWarmLoad,
  type JsonCodecComparison,
  type WarmLoadComparison,
} from "./codec-goals.js";
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
import {
  countLabel,
  EXTRA_MEMORY_BUDGET_MB,
  evaluateGoals,
  formatGoals,
  type GoalCheckLine,
  type GoalVerdict,
  wrap,
} from "./goals.js";
import { type JsonKnownState, toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import { type KnownFileSpec, knownFileSpecAt } from "./known-file-workload.js";
import { type ManyTargetsResult, measureManyTargets } from "./many-targets.js";
import { measureRun } from "./measure-run.js";
import { measurePatchCost, type PatchCost } from "./patch-cost.js";
import { createProgress, type Progress } from "./progress.js";
import { bucketTrace, renderChartSvg, type SvgBar, type SvgTraceSeries } from "./render-svg.js";
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
/** Goal 5: dirty targets flushed through one writer, and the writes in flight the bench allows. */
const MANY_TARGETS = 10_000;
const MANY_TARGETS_CONCURRENCY = 16;
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
  readonly jsonCodec: JsonCodecComparison[];
  readonly warmLoads: WarmLoadComparison[];
  manyTargets: ManyTargetsResult | undefined;
  readonly patchCosts: Array<PatchCost & { records: number }>;
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

/** Idle window of the control run beside a single save: about as long as a save of that size. */
const singleSaveControlMs = (records: number): number => (records >= 500_000 ? 2_000 : 500);

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
  if (encoded && matches(options, "load", "known.met")) {
    try {
      const load = await compareWarmLoad(
        modules,
        root,
        metCodec as never,
        encoded,
        records,
        records >= 500_000 ? 3 : 7,
      );
      if (load) {
        collected.warmLoads.push(load);
        progress.step(
          `known.met ${label} warm load: ${load.loadMs} ms vs bare read ${load.bareReadMs} ms (${load.ratio}×)`,
        );
      }
    } catch (error) {
      progress.step(
        `known.met warm load failed: ${error instanceof Error ? error.message : error}`,
      );
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

  if (matches(options, "patch", "worker")) {
    const cost = await measurePatchCost(
      modules,
      new URL("./known-met-replica-worker.js", import.meta.url),
      root,
      { header: "auto", records: knownRecords.slice(0, 10_000) },
      7,
      4_000,
    );
    if (cost) {
      collected.patchCosts.push({ ...cost, records });
      progress.step(
        `worker replica patch: ${cost.bestPerPatchUs} µs of owner time per patch (best rounds of 7; from the medians ${cost.perPatchUs} µs)`,
      );
    }
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
    [createControlContender({ idleMs: singleSaveControlMs(records) }), ...contenders],
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
      const vsNaive = compareJsonCodec(modules, jsonState, records, records >= 500_000 ? 6 : 9);
      if (vsNaive) {
        collected.jsonCodec.push(vsNaive);
        progress.step(
          `json ${label} vs JSON.stringify/parse: encode ${vsNaive.encodeSpeedRatio}×, decode ${vsNaive.decodeSpeedRatio}×, envelope ${vsNaive.envelopeEncodeCost}× / ${vsNaive.envelopeDecodeCost}× the plain codec`,
        );
      }
    } catch (error) {
      progress.step(`json codec failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  const jsonFormat = createJsonFormat(jsonCodec);
  await runWorkload(
    {
      id: `json save ${label}`,
      format: jsonFormat,
      target: "known.json",
      trace: false,
      drive: singleSaveDriver(jsonState),
    },
    [createControlContender({ idleMs: singleSaveControlMs(records) }), ...contenders],
    context,
  );
  // Periodic JSON saves while mutating: the default executor against the control run only (the
  // naive contenders' stalls are already shown by the single save).
  const timing = periodicTiming(records);
  await runWorkload(
    {
      id: `json periodic ${label}`,
      format: jsonFormat,
      target: "known.json",
      initial: () => jsonState,
      schedule: { debounceMs: 100, maxDelayMs: timing.saveEveryMs },
      trace: false,
      drive: periodicDriver<JsonKnownState>({
        model: () =>
          createStateModel({
            items: jsonState.files,
            specSeed: options.seed,
            mutationSeed: options.seed + 1,
            toItem: toJsonKnownFile,
            toValue: (items) => toJsonKnownState(items as never),
          }),
        durationMs: timing.durationMs,
        mutateEveryMs: 1,
        saveEveryMs: timing.saveEveryMs,
      }),
    },
    [createControlContender(), ...contenders.filter((c) => c.id === "snapwrite-sliced-fs")],
    context,
  );
}

/**
 * The checks of the earlier goals, kept for comparison with the committed results: end-to-end save
 * vs a bare write, `request()` cost, bounded memory, known.met encode throughput.
 */
function earlierChecks(
  collected: Collected,
  requestCost: RequestCost | undefined,
  recordCounts: readonly number[],
): GoalVerdict {
  const records = Math.max(...recordCounts);
  const label = countLabel(records);
  const checks: GoalCheckLine[] = [];
  const bare = collected.bare.find((b) => b.records === records);
  checks.push({
    label: `end-to-end known.met save ${label} vs bare writev + fsync + rename (≤ 1.5×)`,
    measured:
      bare?.ratioSliced != null
        ? `sliced ${bare.ratioSliced}× (${bare.slicedMs} vs ${bare.bareMs} ms, medians of ${bare.rounds}), inline ${bare.ratioInline}×`
        : "not measured",
    reached: bare?.ratioSliced != null ? bare.ratioSliced <= 1.5 : null,
  });
  checks.push({
    label: "request() cost (< 1 µs)",
    measured: requestCost
      ? `${requestCost.meanNs} ns mean over ${requestCost.calls} calls`
      : "not measured",
    reached: requestCost ? requestCost.meanNs < 1000 : null,
  });
  const inFlight = bare?.inFlightPeakBytes ?? null;
  checks.push({
    label: `encoded bytes in flight during a ${label} known.met save (≤ ${EXTRA_MEMORY_BUDGET_MB} MB)`,
    measured:
      inFlight !== null
        ? `${mb(inFlight)} at most for a ${mb(bare?.bytes ?? 0)} file`
        : "not measured",
    reached: inFlight !== null ? inFlight <= EXTRA_MEMORY_BUDGET_MB * 1e6 : null,
  });
  const metCodec = collected.codecs.find((c) => c.codec === "known.met" && c.records === records);
  checks.push({
    label: `known.met encode ${label} (≥ 1000 MB/s)`,
    measured: metCodec ? `${metCodec.encodeMBps} MB/s` : "not measured",
    reached: metCodec ? metCodec.encodeMBps >= 1000 : null,
  });
  const measured = checks.filter((c) => c.reached !== null);
  return {
    id: 0,
    name: "Earlier checks",
    target:
      "end-to-end ≤ 1.5× a bare write, request() < 1 µs, bounded bytes in flight, encode ≥ 1 GB/s",
    reached: measured.length === 0 ? null : measured.every((c) => c.reached),
    checks,
  };
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

    if (matches(options, "targets")) {
      collected.manyTargets = await measureManyTargets(
        modules,
        root,
        MANY_TARGETS,
        MANY_TARGETS_CONCURRENCY,
      );
      const m = collected.manyTargets;
      progress.step(
        m
          ? `${m.targets} targets: writer ${m.writerTargetsPerSec}/s (${m.writerMaxInFlight} in flight at most), sink alone ${m.sinkTargetsPerSec}/s`
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
  process.stdout.write(`\n${formatTable(collected.runs)}\n\n`);
  process.stdout.write("Codecs (best of repeats; MB = 10^6 bytes):\n");
  for (const c of collected.codecs) {
    process.stdout.write(
      `${wrap(`  ${c.codec} ${countLabel(c.records)}: ${mb(c.bytes)} in ${c.chunks} chunks; encode ${c.encodeMs} ms = ${c.encodeMBps} MB/s; decode ${c.decodeMs} ms = ${c.decodeMBps} MB/s`, 120, "    ")}\n`,
    );
  }
  for (const b of collected.bare) {
    process.stdout.write(
      `${wrap(`  end-to-end ${countLabel(b.records)} (${mb(b.bytes)}): bare writev+fsync+rename ${b.bareMs} ms; snapwrite sliced ${b.slicedMs ?? "n/a"} ms (${b.ratioSliced ?? "n/a"}×), inline ${b.inlineMs ?? "n/a"} ms (${b.ratioInline ?? "n/a"}×)`, 120, "    ")}\n`,
    );
  }
  process.stdout.write(
    `\nGoals (ratios against the control run or the reference of this same run; details in the JSON):\n${formatGoals(goals)}\n`,
  );

  if (options.save) {
    const here = dirname(fileURLToPath(import.meta.url));
    // Local runs go to an ignored folder; the committed reference changes only on request.
    const resultsDir = options.updateReference
      ? resolve(here, "..", "results")
      : resolve(here, "..", "results", "local");
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
      jsonCodec: collected.jsonCodec,
      warmLoads: collected.warmLoads,
      manyTargets: collected.manyTargets ?? null,
      patchCosts: collected.patchCosts,
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
  const groups = new Map<string, SvgBar[]>();
  for (const run of runs) {
    let bars = groups.get(run.workload);
    if (!bars) {
      bars = [];
      groups.set(run.workload, bars);
    }
    bars.push({
      label: run.contender,
      value: run.available && !run.note ? run.maxStallMs : null,
      // Stores, but never called fsync: a power loss can lose or tear what it "saved".
      notDurable: run.available && run.finalStateOk !== null && run.fsyncs === 0,
    });
  }
  return [...groups].map(([title, bars]) => ({ title, bars }));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
