import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { encodeToBuffer } from "./bench-format.js";
import { FS_COUNT_FIELDS } from "./fs-counters.js";
import type { KnownMetValue, SnapwriteModules } from "./snapwrite-modules.js";

/** The known.met replica's binary `put` tag (`KNOWN_MET_PATCH_TAGS.put` of formats-met). */
const KNOWN_MET_PUT_TAG = 1;

/** What one `put` patch of a worker replica costs the owner thread. */
export interface PatchCost {
  /** Patches timed (one per event-loop turn, as an owner reacting to events makes them). */
  readonly patches: number;
  /**
   * Owner's busy time per turn with a patch minus per turn without, µs: the median patched round
   * minus the median control round.
   */
  readonly perPatchUs: number;
  /** The same from the best (least disturbed) round of each kind, and from the means, µs. */
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
 * end of each turn count, not only the `patch()` call. Rounds alternate; the best round of each kind
 * is compared (the least disturbed, as for the codecs), and the medians beside it. A difference of
 * two differently disturbed rounds would mean nothing, so rounds are never paired.
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
        if (!patch) sink += record.bytes.byteLength;
        // The replica's binary path when it has one (copied into a batched, transferred buffer);
        // older builds take an object patch with a copy of the record.
        else if (replica.patchBytes) replica.patchBytes(KNOWN_MET_PUT_TAG, record.bytes);
        else replica.patch({ op: "put", record: record.bytes.slice() });
        await nextTurn();
      }
      return performance.eventLoopUtilization(before).active;
    };
    await round(true); // warm-up
    const controls: number[] = [];
    const patched: number[] = [];
    for (let r = 0; r < rounds; r++) {
      controls.push(await round(false));
      patched.push(await round(true));
    }
    const byValue = (a: number, b: number): number => a - b;
    controls.sort(byValue);
    patched.sort(byValue);
    const mid = Math.floor(rounds / 2);
    const us = (patchedMs: number, controlMs: number): number =>
      Number(Math.max(0, ((patchedMs - controlMs) * 1000) / perRound).toFixed(2));
    const first = records[0];
    return {
      patches: rounds * perRound,
      perPatchUs: us(patched[mid] ?? 0, controls[mid] ?? 0),
      bestPerPatchUs: us(patched[0] ?? 0, controls[0] ?? 0),
      meanPerPatchUs: us(
        patched.reduce((a, b) => a + b, 0) / rounds,
        controls.reduce((a, b) => a + b, 0) / rounds,
      ),
      recordBytes: first ? first.bytes.byteLength + (sink & 0) : 0,
    };
  } finally {
    await replica.close({ timeoutMs: 5_000 });
    await rm(dir, { recursive: true, force: true });
  }
}
