// Durable point updates to a keyed state with 1 and 16 concurrent callers: snapwrite's
// openDurableStore against better-sqlite3 (WAL, synchronous = FULL, one transaction per update) and
// against rewriting the whole file per update with write-file-atomic. Also point-read cost and the
// warm load of a snapshot plus journal records against just decoding that snapshot.
// Run: npm run build -w @snapwrite/bench && npm run bench:store -w @snapwrite/bench
//   [-- --entries 1000000 --updates 10000 --rewrite-entries 100000 --rewrite-updates 10
//       --no-save | --update-reference]
// (the defaults; the whole-file rewrite runs on a smaller state, and its rate is extrapolated).
// At 16 callers the store and better-sqlite3 run in alternating rounds, each followed by an idle
// control window, so a busy disk or CPU moves one round of each rather than one contender's ratio.
// Results go to results/local/store-latest.json; --update-reference writes the committed
// results/store-latest.json instead.

import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { positiveArg } from "./keyed-bench-store.js";
import {
  printStoreResults,
  type StoreBenchOptions,
  saveStoreResults,
  storeVerdicts,
} from "./store-bench-report.js";
import { benchRewrite } from "./store-bench-rewrite.js";
import { fmt } from "./store-bench-run.js";
import { benchSqlite, SQLITE_CONTENDER } from "./store-bench-sqlite.js";
import { benchStore } from "./store-bench-store.js";
import { measureYoungGen } from "./store-bench-young-gen.js";

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    updates: { type: "string", default: "10000" },
    "rewrite-entries": { type: "string", default: "100000" },
    "rewrite-updates": { type: "string", default: "10" },
    "no-save": { type: "boolean", default: false },
    "update-reference": { type: "boolean", default: false },
  },
  strict: true,
});
if (args["no-save"] && args["update-reference"]) {
  throw new RangeError("--update-reference writes results, --no-save writes none: pick one");
}

const ENTRIES = positiveArg("entries", args.entries);
const UPDATES = positiveArg("updates", args.updates);
const REWRITE_ENTRIES = positiveArg("rewrite-entries", args["rewrite-entries"]);
const REWRITE_UPDATES = positiveArg("rewrite-updates", args["rewrite-updates"]);
/** Journal records behind the snapshot for the warm load: a tenth of the entries (100k for 1M). */
const JOURNAL_RECORDS = Math.max(1, Math.floor(ENTRIES / 10));

/** Point reads timed per contender. */
const READS = 100_000;

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const root = await mkdtemp(join(tmpdir(), "snapwrite-bench-store-"));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `store bench: ${ENTRIES.toLocaleString()} entries, ${UPDATES.toLocaleString()} updates; rewrite-per-update on ${REWRITE_ENTRIES.toLocaleString()} entries, ${REWRITE_UPDATES} updates; ${cpus().length} cores, load ${loadAtStart[0]?.toFixed(2)}`,
  );
  try {
    const sqlite = await benchSqlite(root, ENTRIES, UPDATES, READS);
    const store = await benchStore(root, ENTRIES, UPDATES, JOURNAL_RECORDS, {
      name: SQLITE_CONTENDER,
      updater: sqlite.updater,
      read: sqlite.read,
      readKeys: sqlite.readKeys,
    }).finally(() => sqlite.close());
    const { paired } = store;
    log(
      `control (idle windows beside the store's 16-caller rounds) max stall: ${fmt(paired.controlMaxStallMs, 2)} ms`,
    );
    const rewriteRows = await benchRewrite(root, REWRITE_ENTRIES, REWRITE_UPDATES);
    log(
      "young generation: the 16-caller rounds in two child processes (default, small semi-spaces)…",
    );
    const youngGen = await measureYoungGen(ENTRIES);
    const options: StoreBenchOptions = {
      entries: ENTRIES,
      updates: UPDATES,
      rewriteEntries: REWRITE_ENTRIES,
      rewriteUpdates: REWRITE_UPDATES,
      journalRecords: JOURNAL_RECORDS,
    };
    const results = {
      options,
      loadAtStart,
      controlMs: paired.controlMaxStallMs,
      rows: [sqlite.rows[0], paired.second, store.rows[0], paired.first, ...rewriteRows].filter(
        (row) => row !== undefined,
      ),
      commitRounds: paired.rounds,
      sqliteReadUs: store.reads.secondUs,
      storeReadUs: store.reads.firstUs,
      readRounds: { store: store.reads.firstRounds, sqlite: store.reads.secondRounds },
      sqliteOpenMs: sqlite.openMs,
      warmLoad: store.warmLoad,
      youngGen,
    };
    printStoreResults(results, log);
    const verdicts = storeVerdicts(results);
    log("");
    for (const v of verdicts) {
      log(`${v.reached ? "reached" : "MISSED"}: ${v.line}`);
      for (const note of v.notes ?? []) log(`  ${note}`);
    }
    if (!args["no-save"]) {
      const reference = args["update-reference"] ?? false;
      log(`wrote ${await saveStoreResults(results, verdicts, reference)}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
