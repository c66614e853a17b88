import { performance } from "node:perf_hooks";
import { createJsonFormat } from "./bench-format.js";
import {
  type BenchContext,
  buildItems,
  matches,
  mb,
  periodicTiming,
  runWorkload,
  singleSaveControlMs,
} from "./bench-run.js";
import { compareJsonCodec } from "./codec-goals.js";
import { measureCodecThroughput } from "./codec-throughput.js";
import type { Contender } from "./contenders/contender.js";
import { createControlContender } from "./contenders/control-contender.js";
import { countLabel } from "./goal-support.js";
import { type JsonKnownState, toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";
import { createStateModel } from "./state-model.js";
import { periodicDriver, singleSaveDriver } from "./workload.js";

/**
 * The JSON phase: codec throughput (one repeat: it is the reference, not a goal), single saves
 * (`contenders` and `singleExtra`, the 1 ms slice budget) and periodic saves.
 */
export async function runJsonPhase(
  records: number,
  modules: SnapwriteModules,
  contenders: readonly Contender[],
  singleExtra: readonly Contender[],
  context: BenchContext,
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
    [
      createControlContender({ idleMs: singleSaveControlMs(records) }),
      ...contenders,
      ...singleExtra,
    ],
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
