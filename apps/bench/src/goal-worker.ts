import {
  allReached,
  countLabel,
  find,
  type GoalCheckLine,
  type GoalInputs,
  type GoalVerdict,
} from "./goal-support.js";
import type { RunResult } from "./run-result.js";

/** Goal 4: the worker executor costs the owner little per patch and little memory. */
export function goalWorker(input: GoalInputs): GoalVerdict {
  const checks: GoalCheckLine[] = [];
  for (const records of input.recordCounts) {
    const label = countLabel(records);
    const patch = input.patchCosts?.find((p) => p.records === records);
    if (patch) {
      checks.push({
        label: `worker replica patch (${label} run)`,
        measured: `${patch.bestPerPatchUs} µs of owner time per put patch (${patch.recordBytes}-byte record, one per turn, best round with patches minus best round without, as the codecs take the best; from the medians ${patch.perPatchUs}, from the means ${patch.meanPerPatchUs} µs)${patch.bestPerPatchUs <= 1 ? "" : " ✗"}`,
        reached: patch.bestPerPatchUs <= 1,
      });
    }
    const workload = `known.met periodic ${label}`;
    const worker = find(input.runs, workload, "snapwrite-worker-fs");
    const control = find(input.runs, workload, "control-no-save");
    const codec = input.codecs.find((c) => c.codec === "known.met" && c.records === records);
    if (!worker || !control || !worker.mutations) {
      checks.push({ label: `${workload} worker`, measured: "not measured", reached: null });
      continue;
    }
    const busyUs =
      worker.ownerActiveMs !== undefined && control.ownerActiveMs !== undefined
        ? ((worker.ownerActiveMs - control.ownerActiveMs) * 1000) / worker.mutations
        : null;
    const callUs =
      worker.ownerMs !== null && worker.ownerCalls
        ? (worker.ownerMs * 1000) / worker.ownerCalls
        : null;
    // Informational: the periodic run's busy time over the control's is noisy on a shared machine
    // (other load lands in one run and not the other), so the goal is judged on the patch measure.
    checks.push({
      label: `${workload} owner cost per change`,
      measured:
        busyUs === null
          ? "not measured"
          : `${busyUs.toFixed(1)} µs busy time over the control run's per change (patch + request + post; noisy, not judged); the timed call alone ${callUs?.toFixed(2)} µs`,
      reached: null,
    });
    // The encoded file's size: from the codec measure, or from what the worker run wrote per file.
    const fileBytes =
      codec?.bytes ??
      (worker.bytes && worker.physicalWrites ? worker.bytes / worker.physicalWrites : undefined);
    checks.push(replicaMemoryCheck(workload, worker, control, fileBytes));
  }
  checks.push({
    label: "generic keyed/JSON replica",
    measured:
      input.genericReplicaExports.length > 0
        ? `exported: ${input.genericReplicaExports.join(", ")}`
        : "no package exports one (only formats-met's createKnownMetReplica) ✗",
    reached: input.genericReplicaExports.length > 0,
  });
  const reached = allReached(checks);
  const genericMissing = input.genericReplicaExports.length === 0;
  return {
    id: 4,
    name: "Worker executor is cheap for the owner",
    target:
      "owner cost per patch ≤ 1 µs, replica memory ≤ 1.3× the encoded file size (the worker's peak above an idle worker of the same module), a generic keyed/JSON replica",
    reached,
    checks,
    why:
      reached === false
        ? [
            memoryMissed(checks)
              ? "above the idle worker's floor the worker holds the file's bytes, 12 bytes of slot rows and 4–8 of index per record, append slabs for records replaced out of place (64 KiB first, doubling up to 1 MiB) (the old bytes stay as garbage until they pass a quarter of the file), and garbage of the patches and saves not yet collected (the worker's young generation, which createWorkerReplica keeps at 3 MiB by default; npm run profile:replica-memory)"
              : undefined,
            genericMissing ? "no generic replica yet" : undefined,
          ]
            .filter((part) => part !== undefined)
            .join("; ")
        : undefined,
    toClose:
      reached === false
        ? [
            memoryMissed(checks)
              ? "less beside the file in the replica: earlier compaction, a smaller index, less garbage per save"
              : undefined,
            genericMissing ? "a keyed JSON replica fed by the store's op stream" : undefined,
          ]
            .filter((part) => part !== undefined)
            .join("; ")
        : undefined,
  };
}

/**
 * Judged on the replica's own memory: the worker thread's peak (its isolate's heap in use plus
 * external memory, sampled after each write, replica and write chunks included) minus the same
 * peak of an idle worker of the same module (empty replica, one save) measured in the same run,
 * the thread's floor. The raw peak and the floor are both shown. The whole process's peak RSS over
 * the control run is shown beside it, not judged: it also counts the owner's one-off encode of the
 * file that seeds the worker and the thread itself.
 */
function replicaMemoryCheck(
  workload: string,
  worker: RunResult,
  control: RunResult,
  fileBytes: number | undefined,
): GoalCheckLine {
  const label = `${workload} replica memory`;
  if (fileBytes === undefined) return { label, measured: "not measured", reached: null };
  const fileMb = fileBytes / 2 ** 20;
  const rss =
    worker.peakRssMb !== null && control.peakRssMb !== null
      ? `; whole process peak RSS +${(worker.peakRssMb - control.peakRssMb).toFixed(0)} MiB over the control run = ${((worker.peakRssMb - control.peakRssMb) / fileMb).toFixed(2)}× (not judged: it also counts the owner's one-off encode that seeds the worker)`
      : "";
  const raw = worker.workerMemoryMb;
  if (raw === undefined)
    return { label, measured: `worker memory not sampled${rss}`, reached: null };
  const rawRatio = raw / fileMb;
  const floor = worker.workerFloorMb;
  if (floor === undefined) {
    const ok = rawRatio <= 1.3;
    return {
      label,
      measured: `worker thread heap + external peak ${raw.toFixed(1)} MiB = ${rawRatio.toFixed(2)}× the ${fileMb.toFixed(1)} MiB file (no idle-worker control measured, nothing subtracted)${ok ? "" : " ✗"}${rss}`,
      reached: ok,
    };
  }
  const own = raw - floor;
  const ratio = own / fileMb;
  const ok = ratio <= 1.3;
  return {
    label,
    measured: `replica ${own.toFixed(1)} MiB = ${ratio.toFixed(2)}× the ${fileMb.toFixed(1)} MiB file${ok ? "" : " ✗"}: the worker thread's heap + external peak ${raw.toFixed(1)} MiB (${rawRatio.toFixed(2)}×) minus ${floor.toFixed(1)} MiB, the same peak of an idle worker of the same module (empty replica, one save) measured in the same run${rss}`,
    reached: ok,
  };
}

function memoryMissed(checks: readonly { label: string; reached: boolean | null }[]): boolean {
  return checks.some((check) => check.label.endsWith("replica memory") && check.reached === false);
}
