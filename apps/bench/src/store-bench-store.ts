import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getEntry, type KeyedOp } from "@snapwrite/store";
import {
  type KeyedBenchStore,
  keyedSnapshotCodec,
  openKeyedBenchStore,
} from "./keyed-bench-store.js";
import {
  entryValue,
  keyOf,
  type PairedReads,
  type PairedUpdates,
  type Row,
  runPairedUpdates,
  runUpdates,
  timePairedReads,
  type Updater,
} from "./store-bench-run.js";
import type { WarmLoadSample } from "./store-warm-load.js";

const COLLECTION = "kv";
const execFileAsync = promisify(execFile);

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

/** The store's name in the rows. */
const STORE_CONTENDER = "snapwrite openDurableStore";
/** Concurrent callers of the alternating rounds against better-sqlite3 (the commit goal's). */
const PAIRED_CALLERS = 16;

/** The contender the store is measured beside, still open. */
export interface Beside {
  readonly name: string;
  readonly updater: Updater;
  /** Point read `r` of the shared keys; true when it found its row. */
  readonly read: (r: number) => boolean;
  readonly readKeys: readonly string[];
}

/** What the snapwrite store measured. */
export interface StoreBench {
  readonly rows: Row[];
  /** 16 callers: the store (first) and the other contender (second) in alternating rounds. */
  readonly paired: PairedUpdates;
  /** Point reads: `store.read()` + `getEntry` against the `SELECT` it was given, alternating. */
  readonly reads: PairedReads;
  readonly warmLoad: WarmLoad;
}

/**
 * snapwrite `openDurableStore`: updates from one caller, then updates from 16 callers and point
 * reads in rounds alternating with `beside`, then the warm load of a snapshot of `entries` records
 * plus `journalRecords` journal records.
 */
export async function benchStore(
  root: string,
  entries: number,
  updates: number,
  journalRecords: number,
  beside: Beside,
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
  rows.push(await runUpdates(STORE_CONTENDER, entries, storeUpdater, 1, updates));
  const paired = await runPairedUpdates(
    { name: STORE_CONTENDER, updater: storeUpdater },
    { name: beside.name, updater: beside.updater },
    entries,
    PAIRED_CALLERS,
    updates,
  );
  const { readKeys } = beside;
  const reads = timePairedReads(
    readKeys.length,
    (r) => getEntry(store.read().value, COLLECTION, readKeys[r] ?? "") !== undefined,
    beside.read,
  );
  await appendJournal(store, entries, journalRecords);
  await storeUpdater.close();
  const warmLoad = await measureWarmLoad(storeDir);
  await rm(storeDir, { recursive: true, force: true });
  return { rows, paired, reads, warmLoad };
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
          { op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, -(n + 1)) },
        ]);
      }
    }),
  );
}

/** Rounds of the warm-load measurement (medians are kept). */
const WARM_LOAD_ROUNDS = 5;
/** The child gets this long at most (a 1M-record load takes about 2–3 s per round). */
const WARM_LOAD_TIMEOUT_MS = 300_000;

/**
 * The warm load against the snapshot decode alone, measured in a fresh process (see
 * store-warm-load.ts for why): medians of alternating rounds, each after a full collection.
 */
async function measureWarmLoad(storeDir: string): Promise<WarmLoad> {
  const child = fileURLToPath(new URL("./store-warm-load.js", import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    ["--expose-gc", "--max-old-space-size=8192", child, storeDir, String(WARM_LOAD_ROUNDS)],
    { timeout: WARM_LOAD_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 1 << 20 },
  );
  const sample = JSON.parse(stdout.trim().split("\n").pop() ?? "") as WarmLoadSample;
  return {
    totalMs: sample.totalMs,
    decodeMs: sample.decodeMs,
    replayed: sample.replayed,
    rssMb: sample.rssMb,
  };
}
