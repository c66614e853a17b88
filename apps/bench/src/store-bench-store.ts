import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { getEntry, type KeyedOp } from "@snapwrite/store";
import {
  type KeyedBenchStore,
  keyedSnapshotCodec,
  openKeyedBenchStore,
} from "./keyed-bench-store.js";
import {
  CALLERS,
  entryValue,
  keyOf,
  mb,
  type Row,
  runUpdates,
  timeReads,
  type Updater,
} from "./store-bench-run.js";

const COLLECTION = "kv";

const snapshotCodec = keyedSnapshotCodec("store-bench");
const openStore = (dir: string) => openKeyedBenchStore(dir, snapshotCodec);
type Store = KeyedBenchStore;

async function commitOrThrow(store: Store, ops: KeyedOp[]): Promise<void> {
  const result = await store.commit("bench", () => ops).settled;
  if (!result.ok) throw result.error;
}

/** Fills a store with `entries` records (in batches) and writes a snapshot of them. */
async function seedStore(dir: string, entries: number): Promise<void> {
  const { store } = await openStore(dir);
  const batch = 20_000;
  for (let from = 0; from < entries; from += batch) {
    const ops: KeyedOp[] = [];
    for (let i = from; i < Math.min(entries, from + batch); i++)
      ops.push({ op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, 0) });
    await commitOrThrow(store, ops);
  }
  await store.compact("seeded");
  await store.close();
}

/** The warm load of a snapshot plus journal records, against decoding the snapshot alone. */
export interface WarmLoad {
  readonly totalMs: number;
  readonly decodeMs: number;
  readonly replayed: number;
  readonly rssMb: number;
}

/** What the snapwrite store measured. */
export interface StoreBench {
  readonly rows: Row[];
  /** Mean µs of one `store.read()` + `getEntry`. */
  readonly readUs: number;
  readonly warmLoad: WarmLoad;
}

/**
 * snapwrite `openDurableStore`: updates, point reads, then the warm load of a snapshot of
 * `entries` records plus `journalRecords` journal records.
 */
export async function benchStore(
  root: string,
  entries: number,
  updates: number,
  journalRecords: number,
  readKeys: readonly string[],
): Promise<StoreBench> {
  const rows: Row[] = [];
  const storeDir = join(root, "store");
  await seedStore(storeDir, entries);
  const opened = await openStore(storeDir);
  const store = opened.store;
  const storeUpdater: Updater = {
    update: async (i, v) => {
      await commitOrThrow(store, [
        { op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, v) },
      ]);
    },
    close: async () => {
      await store.close();
    },
  };
  for (const callers of CALLERS)
    rows.push(
      await runUpdates("snapwrite openDurableStore", entries, storeUpdater, callers, updates),
    );
  const readUs = timeReads(
    readKeys.length,
    (r) => getEntry(store.read().value, COLLECTION, readKeys[r] ?? "") !== undefined,
  );
  await appendJournal(store, entries, journalRecords);
  await storeUpdater.close();
  const warmLoad = await measureWarmLoad(storeDir);
  await rm(storeDir, { recursive: true, force: true });
  return { rows, readUs, warmLoad };
}

/** A fresh snapshot, then `journalRecords` updates behind it (64 in flight). */
async function appendJournal(store: Store, entries: number, journalRecords: number): Promise<void> {
  await store.compact("before the warm-load journal");
  const inFlight = 64;
  let written = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (written < journalRecords) {
        const n = written++;
        const i = (n * 7919) % entries;
        await commitOrThrow(store, [
          { op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, -n) },
        ]);
      }
    }),
  );
}

async function measureWarmLoad(storeDir: string): Promise<WarmLoad> {
  const snapName = (await readdir(storeDir))
    .filter((f) => f.includes(".snap."))
    .sort((a, b) => Number(a.split(".snap.")[1]) - Number(b.split(".snap.")[1]))
    .pop();
  if (snapName === undefined) throw new Error("no snapshot written");
  const snapBytes = await readFile(join(storeDir, snapName));
  const t0 = performance.now();
  snapshotCodec.decode(snapBytes);
  const decodeMs = performance.now() - t0;
  const reopened = await openStore(storeDir);
  const totalMs = reopened.load.timings.totalMs;
  const replayed = reopened.load.replayed;
  const rssMb = mb(process.memoryUsage().rss);
  await reopened.store.close();
  return { totalMs, decodeMs, replayed, rssMb };
}
