import { performance } from "node:perf_hooks";
import type { Codec } from "@snapwrite/core";
import { createCodecFormat } from "./bench-format.js";
import {
  type BenchContext,
  buildItems,
  matches,
  mb,
  periodicTiming,
  runWorkload,
  singleSaveControlMs,
} from "./bench-run.js";
import { compareWarmLoad } from "./codec-goals.js";
import { measureCodecThroughput } from "./codec-throughput.js";
import type { Contender } from "./contenders/contender.js";
import { createControlContender } from "./contenders/control-contender.js";
import { measureEndToEndRatio } from "./end-to-end-ratio.js";
import { countLabel } from "./goal-support.js";
import type { KnownFileSpec } from "./known-file-workload.js";
import { measurePatchCost } from "./patch-cost.js";
import { unavailableResult } from "./run-result.js";
import type { KnownMetValue, SnapwriteModules } from "./snapwrite-modules.js";
import { createStateModel } from "./state-model.js";
import { periodicDriver, singleSaveDriver } from "./workload.js";

/** Builds the bench's known.met record of a spec (eMule flavor), when formats-met has the builder. */
export function recordMaker(
  modules: SnapwriteModules,
): ((spec: KnownFileSpec) => unknown) | undefined {
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

/**
 * The known.met phase: codec throughput, single saves, periodic saves while mutating, and the bare
 * write floor. `extra` (the 1 ms slice budget) runs the single and periodic saves beside
 * `contenders`. Its state is dropped before the JSON phase so the two never share the heap.
 */
export async function runKnownMetPhase(
  records: number,
  modules: SnapwriteModules,
  contenders: readonly Contender[],
  extra: readonly Contender[],
  context: BenchContext,
): Promise<void> {
  const { progress, options, collected } = context;
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

  await measureKnownMetCodec(records, modules, metCodec, metState, context);

  await measureWorkerPatchCost(records, modules, knownRecords, context);

  await runWorkload(
    {
      id: `known.met save ${label}`,
      format: metFormat,
      target: "known.met",
      initial: () => metState,
      trace: false,
      drive: singleSaveDriver(metState),
    },
    [createControlContender({ idleMs: singleSaveControlMs(records) }), ...contenders, ...extra],
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
      ...extra,
    ],
    context,
  );
}

/** known.met codec throughput, warm load against a bare read, and end-to-end save against a bare write. */
async function measureKnownMetCodec(
  records: number,
  modules: SnapwriteModules,
  metCodec: Codec<KnownMetValue>,
  metState: KnownMetValue,
  context: BenchContext,
): Promise<void> {
  const { progress, options, collected, root } = context;
  const label = countLabel(records);
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
}

/** Owner time per patch of a worker replica of the first 10,000 records. */
async function measureWorkerPatchCost(
  records: number,
  modules: SnapwriteModules,
  knownRecords: readonly unknown[],
  context: BenchContext,
): Promise<void> {
  const { progress, options, collected, root } = context;
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
}
