// The two sides of the store stall profile's rounds (store-stall-profile.ts): a store opened by a
// commit variant, whose callers may drop diagnostic garbage, and the stall goal's control run, the
// same updates applied to the same state in memory and persisted nowhere, optionally with a small
// file write per 16 updates (`--control-io`).

import { open } from "node:fs/promises";
import { join } from "node:path";
import { applyKeyedOps, type KeyedCollections, type KeyedOp } from "@snapwrite/store";
import {
  type KeyedBenchStore,
  keyedSnapshotCodec,
  openKeyedBenchStore,
} from "./keyed-bench-store.js";
import { entryValue, keyOf, type Updater } from "./store-bench-run.js";
import { type CommitVariant, SNAPSHOT_NAME } from "./store-commit-variants.js";

/** What a round measures: a store and the garbage its callers drop per update, or the control. */
export interface Contender {
  readonly label: string;
  open(dir: string): Promise<Updater>;
  /** Repeat each round's updates until a young-generation collection came (the control run). */
  readonly untilScavenge?: boolean;
}

/**
 * The control run of the stall goal: the same updates applied with `applyKeyedOps` to the same
 * 1M-entry state (loaded from the same snapshot), kept in memory and persisted nowhere: no journal,
 * no group commit, no file. Its stalls are the owner's state itself (its young-generation
 * collections) plus the machine's; what the store adds over them is persistence.
 */
export async function openInMemory(dir: string, withIo: boolean): Promise<Updater> {
  const { store } = await openKeyedBenchStore(dir, keyedSnapshotCodec(SNAPSHOT_NAME));
  let state: KeyedCollections = store.read().value;
  await store.close();
  const probe = withIo ? await openIoProbe(join(dir, "io-probe")) : undefined;
  let n = 0;
  return {
    update: async (i, v) => {
      state = applyKeyedOps(state, [
        { op: "put", collection: "kv", key: keyOf(i), value: entryValue(i, v) },
      ]);
      if (probe !== undefined && n++ % IO_PROBE_EVERY === 0) await probe.write(n);
    },
    close: async () => {
      state = Object.freeze(Object.create(null)) as KeyedCollections;
      await probe?.close();
    },
  };
}

/** With `--control-io`, the control writes one record-sized block per this many updates. */
const IO_PROBE_EVERY = 16;
/** Bytes of one probe write: about a group of the store's journal records. */
const IO_PROBE_BYTES = 1100;

/**
 * The diagnostic I/O of `--control-io`: one positional write of {@link IO_PROBE_BYTES} per
 * {@link IO_PROBE_EVERY} updates to a file of its own (no fsync), about the store's one journal
 * write per group of 16: how much of the owner's stalls beside collections the mere presence of
 * file I/O (the thread pool, the kernel) brings, with no persistence logic at all.
 */
async function openIoProbe(path: string): Promise<{
  write(n: number): Promise<void>;
  close(): Promise<void>;
}> {
  const handle = await open(path, "w+");
  const block = Buffer.alloc(IO_PROBE_BYTES, 1);
  return {
    write: async (n) => {
      await handle.write(block, 0, IO_PROBE_BYTES, (n % 1024) * IO_PROBE_BYTES);
    },
    close: () => handle.close(),
  };
}

export function storeContender(
  label: string,
  variant: CommitVariant,
  garbageBytes: number,
): Contender {
  return { label, open: async (dir) => updaterOf(await variant.open(dir), garbageBytes) };
}

/** Where the diagnostic garbage goes: it is allocated by one update and dropped at the next. */
const garbageSink: { last: unknown } = { last: undefined };

function updaterOf(store: KeyedBenchStore, garbageBytes: number): Updater {
  const garbageSlots = Math.floor(garbageBytes / 8);
  return {
    update: async (i, v) => {
      const op: KeyedOp = { op: "put", collection: "kv", key: keyOf(i), value: entryValue(i, v) };
      const result = await store.commit("stall", () => [op]).settled;
      if (!result.ok) throw result.error;
      if (garbageSlots > 0) garbageSink.last = new Array(garbageSlots).fill(v);
    },
    close: () => store.close().then(() => undefined),
  };
}
