import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { entryValue, keyOf, type Row, runUpdates, type Updater } from "./store-bench-run.js";

const require = createRequire(import.meta.url);

/** The better-sqlite3 contender's name in the rows. */
export const SQLITE_CONTENDER = "better-sqlite3 (WAL, FULL)";

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

/** What the better-sqlite3 contender measured. */
export interface SqliteBench {
  readonly rows: Row[];
  /** One durable update per call, for the rounds run beside the store. */
  readonly updater: Updater;
  /** Point read `r` of `readKeys` through the prepared `SELECT`; true when it found its row. */
  readonly read: (r: number) => boolean;
  /** Reopening the database of `entries` rows, in ms. */
  readonly openMs: number;
  /** The keys of the point reads, shared with the store's read loop. */
  readonly readKeys: string[];
  /** Closes the database and removes its files (after the store's reads are timed beside it). */
  readonly close: () => Promise<void>;
}

/**
 * better-sqlite3 (WAL, synchronous = FULL, one transaction per update): updates from one caller,
 * and the updater and point reads that are timed beside the store (the database stays open until
 * `close`).
 */
export async function benchSqlite(
  root: string,
  entries: number,
  updates: number,
  reads: number,
): Promise<SqliteBench> {
  const rows: Row[] = [];
  const sqliteDir = join(root, "sqlite");
  await rm(sqliteDir, { recursive: true, force: true });
  await import("node:fs/promises").then((fs) => fs.mkdir(sqliteDir));
  const { db, ms: openMs } = await sqliteContender(sqliteDir, entries);
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
  rows.push(await runUpdates(SQLITE_CONTENDER, entries, sqlite, 1, updates));
  // Keys are built beforehand, so both read loops time the lookup only.
  const readKeys = Array.from({ length: reads }, (_, r) => keyOf((r * 7919) % entries));
  const read = (r: number) => select.get(readKeys[r]) !== undefined;
  const close = async () => {
    db.close();
    await rm(sqliteDir, { recursive: true, force: true });
  };
  return { rows, updater: sqlite, read, openMs, readKeys, close };
}
