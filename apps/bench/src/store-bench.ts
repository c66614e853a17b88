// Durable point updates to a keyed state with 1 and 16 concurrent callers: snapwrite's
// openDurableStore against better-sqlite3 (WAL, synchronous = FULL, one transaction per update) and
// against rewriting the whole file per update with write-file-atomic. Also point-read cost and the
// warm load of a snapshot plus journal records against just decoding that snapshot.
// Run: npm run build -w @snapwrite/bench && npm run bench:store -w @snapwrite/bench
//   [-- --entries 1000000 --updates 10000 --rewrite-entries 100000 --rewrite-updates 10 --no-save]
// (the defaults; the whole-file rewrite runs on a smaller state, and its rate is extrapolated)

import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getEntry,
  type KeyedCollections,
  type KeyedOp,
  openDurableStore,
} from "@snapwrite/store";
import { percentile } from "./percentile.js";
import { createPrng } from "./prng.js";
import { createStallMonitor, type StallReport } from "./stall-monitor.js";

const CALLERS = [1, 16] as const;
const COLLECTION = "kv";
const COMMIT_GOAL_RATIO = 5;
const STALL_SLACK_MS = 2;
const READ_GOAL_RATIO = 10;
const LOAD_GOAL_RATIO = 1.5;

const require = createRequire(import.meta.url);
/** write-file-atomic ships no types: the one call used here. */
const writeFileAtomic = require("write-file-atomic") as (
  path: string,
  data: string,
  options: { fsync: boolean },
) => Promise<void>;

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    updates: { type: "string", default: "10000" },
    "rewrite-entries": { type: "string", default: "100000" },
    "rewrite-updates": { type: "string", default: "10" },
    "no-save": { type: "boolean", default: false },
  },
  strict: true,
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return n;
}
const ENTRIES = positive("entries", args.entries);
const UPDATES = positive("updates", args.updates);
const REWRITE_ENTRIES = positive("rewrite-entries", args["rewrite-entries"]);
const REWRITE_UPDATES = positive("rewrite-updates", args["rewrite-updates"]);
/** Journal records behind the snapshot for the warm load: a tenth of the entries (100k for 1M). */
const JOURNAL_RECORDS = Math.max(1, Math.floor(ENTRIES / 10));

type Value = { n: number; name: string };
const keyOf = (i: number): string => `k${i.toString().padStart(8, "0")}`;
const entryValue = (i: number, v: number): Value => ({ n: v, name: `entry ${i} version ${v}` });

interface Updater {
  update(i: number, v: number): Promise<void> | void;
  close(): Promise<void>;
}

interface Row {
  readonly contender: string;
  readonly entries: number;
  readonly callers: number;
  readonly updates: number;
  readonly commitsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxStallMs: number;
  readonly peakRssMb: number;
  /** JS heap used plus external memory after a full GC at the end of the run (`--expose-gc`). */
  readonly heapAfterGcMb: number | undefined;
}

const mb = (bytes: number): number => bytes / (1024 * 1024);

async function runUpdates(
  contender: string,
  entries: number,
  updater: Updater,
  callers: number,
  updates: number,
): Promise<Row> {
  const prng = createPrng(callers * 7919 + entries);
  const targets = Array.from({ length: updates }, () => prng.nextInt(0, entries - 1));
  const latencies = new Float64Array(updates);
  let next = 0;
  const monitor = createStallMonitor();
  monitor.start();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < updates) {
        const n = next++;
        const t0 = performance.now();
        await updater.update(targets[n] ?? 0, n + 1);
        latencies[n] = performance.now() - t0;
        // A synchronous contender would otherwise never let the other callers (or the timer) run.
        await new Promise<void>((r) => setImmediate(r));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stall: StallReport = monitor.stop();
  latencies.sort();
  return {
    contender,
    entries,
    callers,
    updates,
    commitsPerSecond: updates / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxStallMs: stall.maxStallMs,
    peakRssMb: mb(stall.peakRssBytes),
    heapAfterGcMb: heapAfterGc(),
  };
}

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  const usage = process.memoryUsage();
  return mb(usage.heapUsed + usage.external);
}

/** The idle control: the same monitor with nothing to do, so stalls are the machine's own. */
async function controlStall(ms: number): Promise<number> {
  const monitor = createStallMonitor();
  monitor.start();
  await new Promise((r) => setTimeout(r, ms));
  return monitor.stop().maxStallMs;
}

type Sqlite = {
  pragma(text: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown };
  transaction<F extends (...a: never[]) => unknown>(fn: F): F;
  close(): void;
};

function loadSqlite(): (path: string) => Sqlite {
  return require("better-sqlite3") as (path: string) => Sqlite;
}

async function sqliteContender(dir: string, entries: number): Promise<{ db: Sqlite; ms: number }> {
  const Database = loadSqlite();
  const db = new (Database as unknown as new (p: string) => Sqlite)(join(dir, "kv.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
  const insert = db.prepare("INSERT INTO kv (k, v) VALUES (?, ?)");
  const fill = db.transaction(() => {
    for (let i = 0; i < entries; i++) insert.run(keyOf(i), JSON.stringify(entryValue(i, 0)));
  });
  fill();
  db.pragma("wal_checkpoint(TRUNCATE)");
  const t0 = performance.now();
  db.close();
  const reopened = new (Database as unknown as new (p: string) => Sqlite)(join(dir, "kv.db"));
  reopened.pragma("journal_mode = WAL");
  reopened.pragma("synchronous = FULL");
  return { db: reopened, ms: performance.now() - t0 };
}

const snapshotCodec = createKeyedCollectionsCodec({
  json: createJsonCodec({ version: 1 }),
  name: "store-bench",
});

function openStore(dir: string) {
  return openDurableStore<KeyedCollections, KeyedOp>({
    dir,
    codec: snapshotCodec,
    ops: createJsonOpsCodec() as never,
    apply: applyKeyedOps,
    empty: emptyCollections,
    compaction: false,
  });
}

async function commitOrThrow(
  store: Awaited<ReturnType<typeof openStore>>["store"],
  ops: KeyedOp[],
): Promise<void> {
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

/**
 * Mean cost of one point read in µs: a warm-up pass over the first tenth, then a timed pass over all
 * `reads`; `read(r)` says whether read `r` found its key (every key exists, so a miss is a bug).
 */
function timeReads(reads: number, read: (r: number) => boolean): number {
  for (let r = 0; r < reads / 10; r++) read(r);
  let found = 0;
  const t0 = performance.now();
  for (let r = 0; r < reads; r++) if (read(r)) found++;
  const us = ((performance.now() - t0) * 1000) / reads;
  if (found !== reads) throw new Error(`point reads found ${found} of ${reads}`);
  return us;
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "snapwrite-bench-store-"));
  const rows: Row[] = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `store bench: ${ENTRIES.toLocaleString()} entries, ${UPDATES.toLocaleString()} updates; rewrite-per-update on ${REWRITE_ENTRIES.toLocaleString()} entries, ${REWRITE_UPDATES} updates; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  try {
    const controlMs = await controlStall(1000);
    log(`control (idle) max stall: ${fmt(controlMs, 2)} ms`);

    // better-sqlite3
    const sqliteDir = join(root, "sqlite");
    await rm(sqliteDir, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(sqliteDir));
    const { db, ms: sqliteOpenMs } = await sqliteContender(sqliteDir, ENTRIES);
    const update = db.prepare("UPDATE kv SET v = ? WHERE k = ?");
    const select = db.prepare("SELECT v FROM kv WHERE k = ?");
    const tx = db.transaction((k: string, v: string) => {
      update.run(v, k);
    });
    const sqlite: Updater = {
      update: (i, v) => {
        tx(keyOf(i), JSON.stringify(entryValue(i, v)));
      },
      close: async () => undefined,
    };
    for (const callers of CALLERS)
      rows.push(await runUpdates("better-sqlite3 (WAL, FULL)", ENTRIES, sqlite, callers, UPDATES));
    const reads = 100_000;
    // Keys are built beforehand, so both read loops time the lookup only.
    const readKeys = Array.from({ length: reads }, (_, r) => keyOf((r * 7919) % ENTRIES));
    const sqliteReadUs = timeReads(reads, (r) => select.get(readKeys[r]) !== undefined);
    db.close();
    await rm(sqliteDir, { recursive: true, force: true });

    // snapwrite openDurableStore
    const storeDir = join(root, "store");
    await seedStore(storeDir, ENTRIES);
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
        await runUpdates("snapwrite openDurableStore", ENTRIES, storeUpdater, callers, UPDATES),
      );
    const storeReadUs = timeReads(
      reads,
      (r) => getEntry(store.read().value, COLLECTION, readKeys[r] ?? "") !== undefined,
    );

    // Warm load: snapshot of ENTRIES records plus JOURNAL_RECORDS journal records.
    await store.compact("before the warm-load journal");
    const inFlight = 64;
    let written = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (written < JOURNAL_RECORDS) {
          const n = written++;
          const i = (n * 7919) % ENTRIES;
          await commitOrThrow(store, [
            { op: "put", collection: COLLECTION, key: keyOf(i), value: entryValue(i, -n) },
          ]);
        }
      }),
    );
    await storeUpdater.close();
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
    const warmLoadMs = reopened.load.timings.totalMs;
    const replayed = reopened.load.replayed;
    const warmRss = mb(process.memoryUsage().rss);
    await reopened.store.close();
    await rm(storeDir, { recursive: true, force: true });

    // write-file-atomic: rewrite the whole file per update (a smaller state).
    const filePath = join(root, "state.json");
    const map = new Map<string, Value>();
    for (let i = 0; i < REWRITE_ENTRIES; i++) map.set(keyOf(i), entryValue(i, 0));
    await writeFile(filePath, JSON.stringify([...map]));
    const rewrite: Updater = {
      update: async (i, v) => {
        map.set(keyOf(i), entryValue(i, v));
        await writeFileAtomic(filePath, JSON.stringify([...map]), { fsync: true });
      },
      close: async () => undefined,
    };
    for (const callers of CALLERS)
      rows.push(
        await runUpdates(
          "write-file-atomic (whole file)",
          REWRITE_ENTRIES,
          rewrite,
          callers,
          REWRITE_UPDATES,
        ),
      );

    // Table.
    log("");
    log(
      "| contender | entries | callers | updates | commits/s | p50 ms | p99 ms | max stall ms | peak RSS MB | heap after GC MB |",
    );
    log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of rows)
      log(
        `| ${r.contender} | ${r.entries.toLocaleString()} | ${r.callers} | ${r.updates.toLocaleString()} | ${fmt(r.commitsPerSecond, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.maxStallMs, 1)} | ${fmt(r.peakRssMb, 0)} | ${r.heapAfterGcMb === undefined ? "n/a" : fmt(r.heapAfterGcMb, 0)} |`,
      );
    const rewriteRow = rows.find((r) => r.contender.startsWith("write-file") && r.callers === 1);
    if (rewriteRow) {
      const scaled = rewriteRow.commitsPerSecond * (REWRITE_ENTRIES / ENTRIES);
      log(
        `write-file-atomic extrapolated to ${ENTRIES.toLocaleString()} entries (cost ∝ file size): ~${fmt(scaled, 1)} commits/s`,
      );
    }
    log(
      `point read: better-sqlite3 SELECT ${fmt(sqliteReadUs, 2)} µs, store.read()+getEntry ${fmt(storeReadUs, 3)} µs`,
    );
    log(
      `warm load: ${ENTRIES.toLocaleString()}-record snapshot + ${replayed.toLocaleString()} journal records ${fmt(warmLoadMs, 0)} ms (RSS ${fmt(warmRss, 0)} MB), snapshot decode alone ${fmt(decodeMs, 0)} ms; better-sqlite3 reopen ${fmt(sqliteOpenMs, 1)} ms`,
    );

    // Verdicts.
    const at16 = (prefix: string) =>
      rows.find((r) => r.contender.startsWith(prefix) && r.callers === 16);
    const s16 = at16("snapwrite");
    const q16 = at16("better-sqlite3");
    const verdicts: { goal: string; reached: boolean; line: string }[] = [];
    if (s16 && q16) {
      const ratio = s16.commitsPerSecond / q16.commitsPerSecond;
      verdicts.push({
        goal: "commits",
        reached: ratio >= COMMIT_GOAL_RATIO,
        line: `durable commits/s at 16 callers ≥ ${COMMIT_GOAL_RATIO}× better-sqlite3: ${fmt(s16.commitsPerSecond, 0)} vs ${fmt(q16.commitsPerSecond, 0)} = ${fmt(ratio, 2)}×`,
      });
      verdicts.push({
        goal: "stall",
        reached: s16.maxStallMs <= controlMs + STALL_SLACK_MS,
        line: `owner max stall at 16 callers ≤ control + ${STALL_SLACK_MS} ms: ${fmt(s16.maxStallMs, 2)} ms vs control ${fmt(controlMs, 2)} ms (better-sqlite3 ${fmt(q16.maxStallMs, 2)} ms)`,
      });
    }
    const readRatio = sqliteReadUs / storeReadUs;
    verdicts.push({
      goal: "reads",
      reached: readRatio >= READ_GOAL_RATIO,
      line: `point reads ≥ ${READ_GOAL_RATIO}× faster than SELECT: ${fmt(storeReadUs, 3)} µs vs ${fmt(sqliteReadUs, 2)} µs = ${fmt(readRatio, 1)}×`,
    });
    const loadRatio = warmLoadMs / decodeMs;
    verdicts.push({
      goal: "warm-load",
      reached: loadRatio <= LOAD_GOAL_RATIO,
      line: `warm load ≤ ${LOAD_GOAL_RATIO}× snapshot decode: ${fmt(warmLoadMs, 0)} ms vs ${fmt(decodeMs, 0)} ms = ${fmt(loadRatio, 2)}×`,
    });
    log("");
    for (const v of verdicts) log(`${v.reached ? "reached" : "MISSED"}: ${v.line}`);

    if (!args["no-save"]) {
      const here = dirname(fileURLToPath(import.meta.url));
      const out = resolve(here, "..", "results", "store-latest.json");
      await writeFile(
        out,
        `${JSON.stringify(
          {
            date: new Date().toISOString(),
            node: process.version,
            cores: cpus().length,
            loadAverage: loadavg(),
            options: {
              entries: ENTRIES,
              updates: UPDATES,
              rewriteEntries: REWRITE_ENTRIES,
              rewriteUpdates: REWRITE_UPDATES,
              journalRecords: JOURNAL_RECORDS,
            },
            controlMaxStallMs: controlMs,
            rows,
            pointReadUs: { sqlite: sqliteReadUs, store: storeReadUs },
            warmLoad: { totalMs: warmLoadMs, decodeMs, replayed, rssMb: warmRss, sqliteOpenMs },
            verdicts,
          },
          null,
          2,
        )}\n`,
      );
      log(`wrote ${out}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
