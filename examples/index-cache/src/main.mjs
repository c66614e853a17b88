#!/usr/bin/env node
// An index-cache daemon: eight per-directory indexes (JSON files) loaded in parallel at start, the
// cache of what they hold kept in a durable store (journal + snapshots, warm-loaded on the next
// start), and a refresh timer that re-indexes one directory per tick and commits the change.
//
//   node src/main.mjs --dir ./data [--hung-target]
//
// Tunables come from `resolvePolicy` with environment overrides, printed once at start:
//   INDEX_CACHE_REFRESH_MS, INDEX_CACHE_LOAD_TIMEOUT_MS, INDEX_CACHE_LOAD_CONCURRENCY,
//   INDEX_CACHE_CLOSE_TIMEOUT_MS. A bad value is an error naming the variable (exit code 2).
//
// The first start on an empty folder writes the eight index files, then damages one (`gamma`) and
// leaves one out (`delta`). `--hung-target` wraps the sink so that reading `zeta` never returns.
// SIGTERM or SIGINT stops the timer and closes the store within the close deadline.
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadTargets, resolvePolicy } from "@snapwrite/core";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createFsSink } from "@snapwrite/sink-fs";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getCollection,
  getEntry,
  openDurableStore,
} from "@snapwrite/store";

const log = (line) => process.stdout.write(`${line}\n`);

const { values: args } = parseArgs({
  options: { dir: { type: "string" }, "hung-target": { type: "boolean", default: false } },
});
if (!args.dir) {
  process.stderr.write("usage: node src/main.mjs --dir DIR [--hung-target]\n");
  process.exit(2);
}
const dir = args.dir;

// --- Policies: defaults in code, environment overrides checked and printed once ---------------
let policy;
try {
  policy = resolvePolicy({
    refreshMs: { default: 60_000, min: 10, integer: true, env: "INDEX_CACHE_REFRESH_MS" },
    loadTimeoutMs: { default: 5_000, min: 1, integer: true, env: "INDEX_CACHE_LOAD_TIMEOUT_MS" },
    loadConcurrency: {
      default: 8,
      min: 1,
      max: 64,
      integer: true,
      env: "INDEX_CACHE_LOAD_CONCURRENCY",
    },
    closeTimeoutMs: { default: 5_000, min: 0, integer: true, env: "INDEX_CACHE_CLOSE_TIMEOUT_MS" },
  });
} catch (error) {
  // resolvePolicy's message names the variable and the value it refused.
  process.stderr.write(`index-cache: bad configuration: ${error.message}\n`);
  process.exit(2);
}
const { refreshMs, loadTimeoutMs, loadConcurrency, closeTimeoutMs } = policy.values;
if (policy.overrides.length === 0) log("overrides: none");
for (const o of policy.overrides) {
  log(`override: ${o.env}=${o.raw} -> ${o.name} = ${o.value}${o.clamped ? " (clamped)" : ""}`);
}

// --- The durable cache: collections "areas" (area -> summary) and "meta" --------------------
const snapshotCodec = createKeyedCollectionsCodec({
  json: createJsonCodec({ version: 1 }),
  name: "index-cache",
});
const { store, load } = await openDurableStore({
  dir: join(dir, "cache"),
  codec: snapshotCodec,
  ops: createJsonOpsCodec(),
  apply: applyKeyedOps,
  empty: emptyCollections,
  compaction: false, // a daemon this small never needs it; the warm load then replays the journal
});
log(
  `load: source=${load.source} snapshotSeq=${load.snapshotSeq} replayed=${load.replayed} seq=${load.seq} (${load.timings.totalMs.toFixed(1)} ms)`,
);
const cachedRefreshes = () => getEntry(store.read().value, "meta", "refreshes") ?? 0;
log(
  `cache: areas=${getCollection(store.read().value, "areas").size} refreshes=${cachedRefreshes()} seq=${store.read().seq}`,
);

// --- The eight index targets ----------------------------------------------------------------
const AREAS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
const CORRUPT = "gamma";
const MISSING = "delta";
const HUNG = "zeta";
const targetOf = (area) => `indexes/${area}.json`;

/** A directory's index as the indexer would build it: file name -> size, plus a revision. */
const buildIndex = (area, revision) => ({
  area,
  revision,
  files: Object.fromEntries(
    Array.from({ length: 3 + (area.length % 4) }, (_, i) => [`${area}-${i}.txt`, 100 * (i + 1)]),
  ),
});

const indexCodec = createJsonCodec({ version: 1 });
const encodeIndex = (index) => indexCodec.encode(index);
const sink = createFsSink({ dir: join(dir, "data") });

/** Wraps the sink so that reading one target never returns (and ignores the abort signal). */
const hangOn = (inner, target) => ({
  ...inner,
  capabilities: inner.capabilities,
  write: (...a) => inner.write(...a),
  quarantine: (...a) => inner.quarantine(...a),
  read: (t, options) => (t === target ? new Promise(() => {}) : inner.read(t, options)),
});
const loadSink = args["hung-target"] ? hangOn(sink, targetOf(HUNG)) : sink;

const fixtureExists = await stat(join(dir, "data", "indexes")).then(
  () => true,
  () => false,
);
if (!fixtureExists) {
  for (const area of AREAS) {
    if (area !== MISSING) await sink.write(targetOf(area), encodeIndex(buildIndex(area, 1)));
  }
  // A torn write by the old hand-rolled writer: half a JSON document.
  await writeFile(join(dir, "data", targetOf(CORRUPT)), '{"area":"gamma","files":{"gam');
  log(`fixture: wrote ${AREAS.length - 1} indexes, ${CORRUPT} corrupt, ${MISSING} missing`);
}

const started = performance.now();
const results = await loadTargets(
  AREAS.map((area) => ({ sink: loadSink, target: targetOf(area), codec: indexCodec })),
  { concurrency: loadConcurrency, timeoutMs: loadTimeoutMs },
);
log(`loaded ${AREAS.length} targets in ${(performance.now() - started).toFixed(0)} ms`);

const loadedOps = [];
for (const [i, area] of AREAS.entries()) {
  const result = results[i];
  if (result.ok) {
    log(
      `target ${area}: ok source=${result.source} files=${Object.keys(result.value.files).length}`,
    );
    loadedOps.push(summaryOp(result.value, `loaded-${result.source}`));
    continue;
  }
  const { code } = result.error;
  if (code === "ERR_NOT_FOUND" || code === "ERR_CORRUPT") {
    // Nothing usable on disk: build the index afresh and save it, so the next start finds it.
    const fresh = buildIndex(area, 1);
    await sink.write(targetOf(area), encodeIndex(fresh));
    const moved = result.quarantinedTo ? ` quarantined=${result.quarantinedTo}` : "";
    log(`target ${area}: ${code}${moved} -> rebuilt files=${Object.keys(fresh.files).length}`);
    loadedOps.push(summaryOp(fresh, "rebuilt"));
  } else {
    // ERR_TIMEOUT (a hung read) or another error: keep what the cache already has, if anything.
    const cached = getEntry(store.read().value, "areas", area);
    log(`target ${area}: ${code} -> ${cached ? "kept cached" : "not cached"}`);
  }
}

function summaryOp(index, origin) {
  return {
    op: "put",
    collection: "areas",
    key: index.area,
    value: { revision: index.revision, files: Object.keys(index.files).length, origin },
  };
}

const startup = await store.commit("startup load", () => loadedOps).settled;
log(`commit startup: ${startup.ok ? `seq=${startup.seq}` : `failed ${startup.error.code}`}`);

// --- The refresh timer ----------------------------------------------------------------------
let tick = 0;
let refreshing = Promise.resolve();
let stopping = false;
const refresh = async () => {
  const area = AREAS[tick % AREAS.length];
  tick += 1;
  const revision = (getEntry(store.read().value, "areas", area)?.revision ?? 0) + 1;
  const index = buildIndex(area, revision);
  const written = await sink.write(targetOf(area), encodeIndex(index)).then(
    () => true,
    (error) => {
      log(`refresh ${area}: write failed ${error.code ?? error.message}`);
      return false;
    },
  );
  if (!written) return;
  const result = await store.commit(`refresh ${area}`, (state) => [
    summaryOp(index, "refreshed"),
    {
      op: "put",
      collection: "meta",
      key: "refreshes",
      value: (getEntry(state, "meta", "refreshes") ?? 0) + 1,
    },
  ]).settled;
  log(
    `refresh ${area}: ${result.ok ? `seq=${result.seq} revision=${revision}` : `failed ${result.error.code}`}`,
  );
};
const timer = setInterval(() => {
  if (stopping) return;
  // One refresh at a time; a refresh that throws is logged and the next tick tries again.
  refreshing = refreshing.then(refresh).catch((error) => log(`refresh failed: ${error.message}`));
}, refreshMs);
timer.unref(); // the timer never holds a closing process open
// The daemon's lifetime: one handle, released at shutdown.
const keepAlive = setInterval(() => {}, 1 << 30);
log(`ready: refreshMs=${refreshMs} loadTimeoutMs=${loadTimeoutMs}`);

const shutdown = async (signal) => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  log(`signal: ${signal}`);
  await refreshing;
  const closed = await store.close({ timeoutMs: closeTimeoutMs });
  // The writer gave up on what its deadline left; a write stuck in a hung disk must not hold the
  // sink's close either.
  await sink
    .close({ timeoutMs: 1000 })
    .catch((error) => log(`sink close: ${error.code} ${error.message}`));
  log(
    `close: outcome=${closed.outcome} committedSeq=${closed.committedSeq} durableSeq=${closed.durableSeq} unsaved=${closed.unsaved} (${closed.durationMs.toFixed(1)} ms)`,
  );
  clearInterval(keepAlive);
  process.exitCode = closed.ok ? 0 : 1;
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
