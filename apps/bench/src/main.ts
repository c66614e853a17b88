import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { measureBareWrite } from "./bare-write.js";
import { type BenchFormat, createCodecFormat, createJsonFormat } from "./bench-format.js";
import { type BurstState, createBurstPayloadCodec } from "./burst-payload-codec.js";
import { type BenchOptions, parseBenchOptions } from "./cli-options.js";
import { type CodecThroughput, measureCodecThroughput } from "./codec-throughput.js";
import type { Contender } from "./contenders/contender.js";
import { createNaiveSyncAtomicContender } from "./contenders/naive-sync-atomic-contender.js";
import { createNaiveSyncContender } from "./contenders/naive-sync-contender.js";
import { createSnapwriteContender } from "./contenders/snapwrite-contender.js";
import { loadThirdPartyContenders } from "./contenders/third-party-contenders.js";
import { formatTable } from "./format-table.js";
import { type FsCounters, installFsCounters } from "./fs-counters.js";
import { EXTRA_MEMORY_BUDGET_MB, type GoalCheck } from "./goals.js";
import { toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import { createKnownFileSpecs, type KnownFileSpec } from "./known-file-workload.js";
import { measureRun } from "./measure-run.js";
import { createProgress, type Progress } from "./progress.js";
import { bucketTrace, renderChartSvg, type SvgTraceSeries } from "./render-svg.js";
import { measureRequestCost, type RequestCost } from "./request-cost.js";
import type { RunResult } from "./run-result.js";
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
const TRACE_BUCKET_MS = 10;
const TRACED_CONTENDERS = ["naive-sync", "write-file-atomic", "snapwrite-sliced-fs"];

/** Bare durable write of the known.met bytes vs snapwrite's end-to-end save of the same state. */
interface BareComparison {
  readonly records: number;
  readonly bytes: number;
  readonly bareWritevFsyncRenameMs: number;
  readonly snapwriteSlicedFsMs: number | null;
  readonly snapwriteInlineFsMs: number | null;
  readonly ratioSliced: number | null;
  readonly ratioInline: number | null;
}

interface Collected {
  readonly runs: RunResult[];
  readonly codecs: Array<CodecThroughput & { records: number }>;
  readonly bare: BareComparison[];
  traces: { workload: string; series: SvgTraceSeries[] } | undefined;
}

const kib = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

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
        ? `${workload.id} · ${contender.id}: max stall ${result.maxStallMs} ms, p99 ${result.p99StallMs} ms, total ${result.totalMs} ms, ${result.physicalWrites} writes, ${result.fsyncs} fsyncs, final ${result.finalStateOk ? "ok" : "NOT ok"}${result.note ? ` (${result.note})` : ""}`
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

function knownRecordsOf(
  modules: SnapwriteModules,
  specs: readonly KnownFileSpec[],
): { toRecord: (spec: KnownFileSpec) => unknown; records: unknown[] } | undefined {
  const create = modules.createKnownFileRecord;
  if (!create) return undefined;
  const toRecord = (spec: KnownFileSpec): unknown =>
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
  return { toRecord, records: specs.map(toRecord) };
}

async function runRecordCount(
  records: number,
  modules: SnapwriteModules,
  contenders: { all: readonly Contender[] },
  context: Parameters<typeof runWorkload>[2],
): Promise<void> {
  const { progress, options, collected, root } = context;
  const label = records >= 1_000_000 ? `${records / 1_000_000}M` : `${records / 1000}k`;
  let started = performance.now();
  const specs = createKnownFileSpecs(records, options.seed);
  progress.step(
    `generated ${records} known-file specs in ${(performance.now() - started).toFixed(0)} ms`,
  );

  // JSON state.
  started = performance.now();
  const jsonFiles = specs.map(toJsonKnownFile);
  const jsonState = toJsonKnownState(jsonFiles);
  const jsonCodec = modules.createJsonCodec?.<typeof jsonState>();
  const jsonFormat = createJsonFormat(jsonCodec);
  progress.step(`built the JSON state in ${(performance.now() - started).toFixed(0)} ms`);

  // known.met state.
  started = performance.now();
  const known = knownRecordsOf(modules, specs);
  const metCodec = modules.knownMetCodec;
  const metState: KnownMetValue | undefined = known
    ? { header: "auto", records: known.records }
    : undefined;
  const metFormat = metCodec ? createCodecFormat("known.met", metCodec) : undefined;
  if (metState) {
    progress.step(
      `built ${records} known.met records in ${(performance.now() - started).toFixed(0)} ms`,
    );
  } else {
    progress.step(
      `known.met not available: ${modules.missing.createKnownFileRecord ?? modules.missing.knownMetCodec}`,
    );
  }

  // Codec throughput and the bare-write floor.
  let bareEncoded: Uint8Array[] | undefined;
  const repeats = records >= 500_000 ? 2 : 3;
  if (metCodec && metState && matches(options, "codec", "known.met")) {
    try {
      const { throughput, encoded } = measureCodecThroughput(metCodec, metState, repeats);
      collected.codecs.push({ ...throughput, records });
      bareEncoded = encoded;
      progress.step(
        `known.met ${label} codec: ${kib(throughput.bytes)}, encode ${throughput.encodeMBps} MB/s, decode ${throughput.decodeMBps} MB/s`,
      );
    } catch (error) {
      progress.step(`known.met codec failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  if (jsonCodec && matches(options, "codec", "json")) {
    try {
      const { throughput } = measureCodecThroughput(jsonCodec, jsonState, repeats);
      collected.codecs.push({ ...throughput, records });
      progress.step(
        `json ${label} codec: ${kib(throughput.bytes)}, encode ${throughput.encodeMBps} MB/s, decode ${throughput.decodeMBps} MB/s`,
      );
    } catch (error) {
      progress.step(`json codec failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  {
    const stringifyStart = performance.now();
    const text = JSON.stringify(jsonState);
    const stringifyMs = performance.now() - stringifyStart;
    const bytes = Buffer.byteLength(text);
    const parseStart = performance.now();
    JSON.parse(text);
    const parseMs = performance.now() - parseStart;
    collected.codecs.push({
      codec: "JSON.stringify/parse (reference)",
      records,
      bytes,
      chunks: 1,
      maxChunkBytes: bytes,
      encodeMs: Number(stringifyMs.toFixed(2)),
      decodeMs: Number(parseMs.toFixed(2)),
      encodeMBps: Number((bytes / 1e6 / (stringifyMs / 1000)).toFixed(1)),
      decodeMBps: Number((bytes / 1e6 / (parseMs / 1000)).toFixed(1)),
    });
    progress.step(
      `JSON.stringify ${label}: ${kib(bytes)} in ${stringifyMs.toFixed(0)} ms, JSON.parse ${parseMs.toFixed(0)} ms`,
    );
  }

  // Single saves.
  if (metFormat && metState) {
    await runWorkload(
      {
        id: `known.met save ${label}`,
        format: metFormat,
        target: "known.met",
        trace: false,
        drive: singleSaveDriver(metState),
      },
      contenders.all,
      context,
    );
  } else {
    for (const contender of contenders.all) {
      collected.runs.push(notAvailable(`known.met save ${label}`, contender.id, modules));
    }
  }
  await runWorkload(
    {
      id: `json save ${label}`,
      format: jsonFormat as BenchFormat<typeof jsonState>,
      target: "known.json",
      trace: false,
      drive: singleSaveDriver(jsonState),
    },
    contenders.all,
    context,
  );

  // Periodic saves while the owner mutates.
  const timing = periodicTiming(records);
  const schedule = { debounceMs: 100, maxDelayMs: timing.saveEveryMs };
  if (metFormat && known && metState) {
    const toRecord = known.toRecord;
    await runWorkload(
      {
        id: `known.met periodic ${label}`,
        format: metFormat,
        target: "known.met",
        schedule,
        trace: true,
        drive: periodicDriver<KnownMetValue>({
          model: () =>
            createStateModel(
              specs,
              known.records,
              toRecord,
              (items) => ({ header: "auto", records: items }),
              options.seed + 1,
            ),
          durationMs: timing.durationMs,
          mutateEveryMs: 1,
          saveEveryMs: timing.saveEveryMs,
        }),
      },
      contenders.all,
      context,
    );
  } else {
    await runWorkload(
      {
        id: `json periodic ${label}`,
        format: jsonFormat as BenchFormat<typeof jsonState>,
        target: "known.json",
        schedule,
        trace: true,
        drive: periodicDriver({
          model: () =>
            createStateModel(specs, jsonFiles, toJsonKnownFile, toJsonKnownState, options.seed + 1),
          durationMs: timing.durationMs,
          mutateEveryMs: 1,
          saveEveryMs: timing.saveEveryMs,
        }),
      },
      contenders.all,
      context,
    );
  }

  if (bareEncoded) {
    const bareMs = await measureBareWrite(root, bareEncoded, 3);
    const saveOf = (id: string): number | null =>
      collected.runs.find(
        (r) => r.workload === `known.met save ${label}` && r.contender === id && r.finalStateOk,
      )?.totalMs ?? null;
    const sliced = saveOf("snapwrite-sliced-fs");
    const inline = saveOf("snapwrite-inline-fs");
    const bytes = bareEncoded.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    collected.bare.push({
      records,
      bytes,
      bareWritevFsyncRenameMs: bareMs,
      snapwriteSlicedFsMs: sliced,
      snapwriteInlineFsMs: inline,
      ratioSliced: sliced === null ? null : Number((sliced / bareMs).toFixed(2)),
      ratioInline: inline === null ? null : Number((inline / bareMs).toFixed(2)),
    });
    progress.step(`bare writev+fsync+rename of ${kib(bytes)}: ${bareMs} ms (median of 3)`);
  }
}

function notAvailable(workload: string, contender: string, modules: SnapwriteModules): RunResult {
  const reason =
    modules.missing.createKnownFileRecord ?? modules.missing.knownMetCodec ?? "not available";
  return {
    workload,
    contender,
    available: false,
    maxStallMs: null,
    p99StallMs: null,
    ownerMs: null,
    totalMs: null,
    physicalWrites: null,
    fsyncs: null,
    bytes: null,
    peakRssMb: null,
    finalStateOk: null,
    ownerCalls: null,
    extraRssMb: null,
    eldMaxMs: null,
    eldP99Ms: null,
    writeCalls: null,
    renames: null,
    mutations: null,
    note: reason,
  };
}

function checkGoals(collected: Collected, requestCost: RequestCost | undefined): GoalCheck[] {
  const records = Math.max(
    0,
    ...collected.codecs.map((c) => c.records),
    ...collected.bare.map((b) => b.records),
  );
  const label = records >= 1_000_000 ? `${records / 1_000_000}M` : `${records / 1000}k`;
  const run = (workload: string, contender: string): RunResult | undefined =>
    collected.runs.find((r) => r.workload === workload && r.contender === contender && r.available);
  const goals: GoalCheck[] = [];
  const periodic = run(`known.met periodic ${label}`, "snapwrite-sliced-fs");
  goals.push({
    goal: "max event-loop stall during periodic saves while mutating (snapwrite-sliced-fs)",
    target: "≤ 5 ms",
    measured: periodic?.maxStallMs != null ? `${periodic.maxStallMs} ms` : "not measured",
    reached: periodic?.maxStallMs != null ? periodic.maxStallMs <= 5 : null,
    records,
  });
  goals.push({
    goal: "p99 event-loop stall during periodic saves while mutating (snapwrite-sliced-fs)",
    target: "≤ 2 ms",
    measured: periodic?.p99StallMs != null ? `${periodic.p99StallMs} ms` : "not measured",
    reached: periodic?.p99StallMs != null ? periodic.p99StallMs <= 2 : null,
    records,
  });
  const bare = collected.bare.find((b) => b.records === records);
  goals.push({
    goal: "end-to-end known.met save vs bare writev + fsync + rename of the same bytes (snapwrite-sliced-fs)",
    target: "≤ 1.5×",
    measured:
      bare?.ratioSliced != null
        ? `${bare.ratioSliced}× (${bare.snapwriteSlicedFsMs} ms vs ${bare.bareWritevFsyncRenameMs} ms)`
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
  goals.push({
    goal: "peak extra memory (RSS) during a known.met save (snapwrite-sliced-fs)",
    target: `bounded by the chunk budget (≤ ${EXTRA_MEMORY_BUDGET_MB} MB), not by the file size`,
    measured:
      save?.extraRssMb != null
        ? `${save.extraRssMb} MB extra for a ${metCodec ? kib(metCodec.bytes) : "?"} file`
        : "not measured",
    reached: save?.extraRssMb != null ? save.extraRssMb <= EXTRA_MEMORY_BUDGET_MB : null,
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
      await runRecordCount(records, modules, { all }, context);
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

  const goals = checkGoals(collected, requestCost);
  const durationMs = Math.round(performance.now() - started);
  process.stdout.write(`\n${formatTable(collected.runs)}\n\n`);
  process.stdout.write("Codecs (best of repeats; MB = 10^6 bytes):\n");
  for (const c of collected.codecs) {
    process.stdout.write(
      `  ${c.codec} ${c.records}: ${kib(c.bytes)} in ${c.chunks} chunks (max ${c.maxChunkBytes} B); encode ${c.encodeMs} ms = ${c.encodeMBps} MB/s; decode ${c.decodeMs} ms = ${c.decodeMBps} MB/s\n`,
    );
  }
  for (const b of collected.bare) {
    process.stdout.write(
      `  bare writev+fsync+rename ${b.records}: ${b.bareWritevFsyncRenameMs} ms; snapwrite sliced ${b.snapwriteSlicedFsMs ?? "n/a"} ms (${b.ratioSliced ?? "n/a"}×), inline ${b.snapwriteInlineFsMs ?? "n/a"} ms (${b.ratioInline ?? "n/a"}×)\n`,
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
      tmpdir: tmpdir(),
      unavailable: modules.missing,
      methods: {
        stall:
          "max of monitorEventLoopDelay({resolution:1}) (minus the resolution) and a 1 ms setInterval tick-gap monitor; p99 over tick delays corrected for coordinated omission",
        ownerMs:
          "time inside the owner's save calls (sync save, or library call incl. serialization, or request())",
        totalMs: "first save call until every save has resolved/stored",
        io: "in-process wrappers around node:fs, node:fs/promises and FileHandle.prototype installed before any contender is imported; physicalWrites = files opened for writing + path-based writeFile calls; fsyncs include directory fsyncs",
        rss: "process.memoryUsage.rss() sampled every 5 ticks; extraRssMb = peak - RSS at the start of the run (after gc)",
      },
    };
    const latest = {
      meta,
      runs: collected.runs,
      codecs: collected.codecs,
      bareWrite: collected.bare,
      requestCost: requestCost ?? null,
      goals,
    };
    await writeFile(join(resultsDir, "latest.json"), `${JSON.stringify(latest, null, 2)}\n`);
    const svg = renderChartSvg({
      title: "snapwrite bench: max event-loop stall per contender",
      subtitle: `${meta.mode} run, ${options.recordCounts.join(" + ")} records, Node ${process.version}, ${meta.cpus} × ${meta.cpuModel}, ${startedAt.toISOString()}`,
      groups: groupBars(collected.runs),
      traceTitle: collected.traces
        ? `Stall over time: ${collected.traces.workload} (owner mutates every 1 ms)`
        : "Stall over time: not available",
      traces: collected.traces?.series ?? [],
    });
    await writeFile(join(resultsDir, "latest.svg"), svg);
    progress.step(`wrote ${join(resultsDir, "latest.json")} and latest.svg`);
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
