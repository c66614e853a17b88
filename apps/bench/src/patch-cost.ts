import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { encodeToBuffer } from "./bench-format.js";
import { FS_COUNT_FIELDS } from "./fs-counters.js";
import type { KnownMetValue, SnapwriteModules } from "./snapwrite-modules.js";

/** What one `put` patch of a worker replica costs the owner thread. */
export interface PatchCost {
  /** Patches timed (one per event-loop turn, as an owner reacting to events makes them). */
  readonly patches: number;
  /** Owner's busy time per turn with a patch minus per turn without, µs (median of the rounds). */
  readonly perPatchUs: number;
  /** The same, best and mean over the rounds, µs. */
  readonly bestPerPatchUs: number;
  readonly meanPerPatchUs: number;
  /** Bytes per patched record. */
  readonly recordBytes: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Measures goal 4's owner cost per patch: a known.met worker replica (the bench's replica worker,
 * filled with `value`) gets one `put` patch (a copy of a record's bytes) per event-loop turn for
 * `perRound` turns; a control round does the same turns and the same copy without the patch. The
 * owner's busy time comes from event-loop utilization, so the structured clone and the post at the
 * end of each turn count, not only the `patch()` call. Rounds alternate; the median difference counts.
 */
export async function measurePatchCost(
  modules: SnapwriteModules,
  workerModule: URL,
  root: string,
  value: KnownMetValue,
  rounds: number,
  perRound: number,
): Promise<PatchCost | undefined> {
  const { createWorkerReplica, knownMetCodec } = modules;
  if (!createWorkerReplica || !knownMetCodec) return undefined;
  const dir = await mkdtemp(join(root, "patch-cost-"));
  const counts = new SharedArrayBuffer(FS_COUNT_FIELDS * Float64Array.BYTES_PER_ELEMENT);
  const replica = createWorkerReplica({ module: workerModule, options: { dir, counts } });
  try {
    const whole = encodeToBuffer(knownMetCodec, value);
    const file = new Uint8Array(whole.byteLength);
    file.set(whole);
    replica.patch({ op: "load", file }, [file.buffer as ArrayBuffer]);
    const records = value.records as readonly { bytes: Uint8Array }[];
    let sink = 0;
    const round = async (patch: boolean): Promise<number> => {
      const before = performance.eventLoopUtilization();
      for (let i = 0; i < perRound; i++) {
        const record = records[(i * 7919) % records.length];
        if (!record) continue;
        const copy = record.bytes.slice();
        if (patch) replica.patch({ op: "put", record: copy });
        else sink += copy.byteLength;
        await nextTurn();
      }
      return performance.eventLoopUtilization(before).active;
    };
    await round(true); // warm-up
    const perPatch: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const control = await round(false);
      const patched = await round(true);
      perPatch.push(((patched - control) * 1000) / perRound);
    }
    perPatch.sort((a, b) => a - b);
    const us = (value: number): number => Number(Math.max(0, value).toFixed(2));
    const first = records[0];
    return {
      patches: rounds * perRound,
      perPatchUs: us(perPatch[Math.floor(perPatch.length / 2)] ?? 0),
      bestPerPatchUs: us(perPatch[0] ?? 0),
      meanPerPatchUs: us(perPatch.reduce((a, b) => a + b, 0) / perPatch.length),
      recordBytes: first ? first.bytes.byteLength + (sink & 0) : 0,
    };
  } finally {
    await replica.close({ timeoutMs: 5_000 });
    await rm(dir, { recursive: true, force: true });
  }
}
