#!/usr/bin/env node
// An index-cache daemon: eight per-directory indexes (JSON files) loaded in parallel at start, the
// cache of what they hold kept in a durable store (journal + snapshots, warm-loaded on the next
// start), and a refresh timer that re-indexes one directory per tick and commits the change.
//
//   node src/main.mjs --dir ./data [--hung-target] [--slow-refresh-ms N]
//
// Tunables come from `resolvePolicy` with environment overrides, printed once at start:
//   INDEX_CACHE_REFRESH_MS, INDEX_CACHE_LOAD_TIMEOUT_MS, INDEX_CACHE_LOAD_CONCURRENCY,
//   INDEX_CACHE_CLOSE_TIMEOUT_MS. A bad value is an error naming the variable (exit code 2); every
//   one has a maximum, and a larger value is clamped to it.
//
// The first start on an empty folder writes the eight index files, then damages one (`gamma`) and
// leaves one out (`delta`). `--hung-target` wraps the sink so that reading `zeta` never returns;
// `--slow-refresh-ms N` makes each refresh's index write take N ms longer (a slow mount).
// SIGTERM or SIGINT, from the start on (also during the start-up load), stops the timer and closes
// the store within the close deadline; a further signal meanwhile is logged and does not cut the
// close short.
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadTargets } from "@snapwrite/core";
import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import { createExclusiveFileLock } from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  getCollection,
  getEntry,
  openDurableStore,
} from "@snapwrite/store";
import { args, policy, slowRefreshMs } from "./config.mjs";

const log = (line) => process.stdout.write(`${line}\n`);

const dir = args.dir;
/** How long a second instance on the same folder waits for the first one's lock. */
const LOCK_WAIT_MS = 2_000;
const { refreshMs, loadTimeoutMs, loadConcurrency, closeTimeoutMs } = policy.values;
if (policy.overrides.length === 0) log("overrides: none");
for (const o of policy.overrides) {
  log(`override: ${o.env}=${o.raw} -> ${o.name} = ${o.value}${o.clamped ? " (clamped)" : ""}`);
}

// --- Shutdown: installed before anything is opened or loaded ---------------------------------
// A signal during the start-up (a load waiting on a hung mount) stops the loads and closes what
// was opened. Handlers stay installed: a second signal during the close is logged and the close
// goes on, instead of the default action killing the process halfway through it.
const stop = new AbortController();
let store;
let timer;
let refreshing = Promise.resolve();
let refreshInFlight = false;
let stopping = false;
// Aborted when the shutdown stops waiting for a refresh stuck on the slow mount.
const slowMount = new AbortController();
// The daemon's lifetime: one handle, released at shutdown.
const keepAlive = setInterval(() => {}, 1 << 30);
const onSignal = (signal) => {
  if (stopping) {
    log(`signal: ${signal} again: still closing (close deadline ${closeTimeoutMs} ms)`);
    return;
  }
  stopping = true;
  log(`signal: ${signal}`);
  void shutdown();
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

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
const loadSink = args.hungTarget ? hangOn(sink, targetOf(HUNG)) : sink;

function summaryOp(index, origin) {
  return {
    op: "put",
    collection: "areas",
    key: index.area,
    value: { revision: index.revision, files: Object.keys(index.files).length, origin },
  };
}

// --- Start-up: the durable cache ("areas": area -> summary, "meta"), then the eight loads -----
const startup = start();
startup.catch((error) => {
  log(`start-up failed: ${error.code ? `${error.code} ` : ""}${error.message}`);
  process.exitCode = 1;
  if (!stopping) {
    stopping = true;
    void shutdown();
  }
});

async function start() {
  const snapshotCodec = createKeyedCollectionsCodec({
    json: createJsonCodec({ version: 1 }),
    name: "index-cache",
  });
  const opened = await openDurableStore({
    dir: join(dir, "cache"),
    codec: snapshotCodec,
    ops: createJsonOpsCodec(),
    apply: applyKeyedOps,
    empty: emptyCollections,
    compaction: false, // a daemon this small never needs it; the warm load then replays the journal
    // One daemon per folder: a second one waits LOCK_WAIT_MS for the lock, then stops with
    // ERR_LOCKED instead of writing the same journal (which would corrupt it or lose commits).
    lock: createExclusiveFileLock({ waitMs: LOCK_WAIT_MS }),
  });
  store = opened.store;
  const { load } = opened;
  log(
    `load: source=${load.source} snapshotSeq=${load.snapshotSeq} replayed=${load.replayed} seq=${load.seq} (${load.timings.totalMs.toFixed(1)} ms)`,
  );
  const refreshes = getEntry(store.read().value, "meta", "refreshes") ?? 0;
  log(
    `cache: areas=${getCollection(store.read().value, "areas").size} refreshes=${refreshes} seq=${store.read().seq}`,
  );
  if (stop.signal.aborted) return;

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
  if (stop.signal.aborted) return;

  log(`loading ${AREAS.length} targets`);
  const started = performance.now();
  // A signal aborts the loads still running (or not started): they resolve ERR_ABORTED at once.
  const results = await loadTargets(
    AREAS.map((area) => ({ sink: loadSink, target: targetOf(area), codec: indexCodec })),
    { concurrency: loadConcurrency, timeoutMs: loadTimeoutMs, signal: stop.signal },
  );
  log(`loaded ${AREAS.length} targets in ${(performance.now() - started).toFixed(0)} ms`);
  const loadedOps = [];
  for (const [i, area] of AREAS.entries()) {
    const op = await reportTarget(area, results[i]);
    if (op !== undefined) loadedOps.push(op);
  }
  const startupCommit = await store.commit("startup load", () => loadedOps).settled;
  log(
    `commit startup: ${startupCommit.ok ? `seq=${startupCommit.seq}` : `failed ${startupCommit.error.code}`}`,
  );
  if (stop.signal.aborted) return;

  timer = setInterval(() => {
    // One refresh at a time: a tick that finds one in flight is skipped, not queued behind it (a
    // slow mount would otherwise pile up refreshes for the shutdown to wait for). A refresh that
    // throws is logged and the next tick tries again.
    if (stopping || refreshInFlight) return;
    refreshInFlight = true;
    refreshing = refresh()
      .catch((error) => log(`refresh failed: ${error.message}`))
      .finally(() => {
        refreshInFlight = false;
      });
  }, refreshMs);
  timer.unref(); // the timer never holds a closing process open
  log(`ready: refreshMs=${refreshMs} loadTimeoutMs=${loadTimeoutMs}`);
}

/** Logs one target's load and returns the op that records it in the cache, if any. */
async function reportTarget(area, result) {
  if (result.ok) {
    log(
      `target ${area}: ok source=${result.source} files=${Object.keys(result.value.files).length}`,
    );
    return summaryOp(result.value, `loaded-${result.source}`);
  }
  const { code } = result.error;
  if (code === "ERR_NOT_FOUND" || code === "ERR_CORRUPT") {
    // Nothing usable on disk: build the index afresh and save it, so the next start finds it.
    const fresh = buildIndex(area, 1);
    await sink.write(targetOf(area), encodeIndex(fresh));
    const moved = result.quarantinedTo ? ` quarantined=${result.quarantinedTo}` : "";
    log(`target ${area}: ${code}${moved} -> rebuilt files=${Object.keys(fresh.files).length}`);
    return summaryOp(fresh, "rebuilt");
  }
  // ERR_TIMEOUT (a hung read), ERR_ABORTED (a signal) or another error: keep what the cache has.
  const cached = getEntry(store.read().value, "areas", area);
  log(`target ${area}: ${code} -> ${cached ? "kept cached" : "not cached"}`);
  return undefined;
}

// --- The refresh timer ----------------------------------------------------------------------
let tick = 0;
const refresh = async () => {
  const area = AREAS[tick % AREAS.length];
  tick += 1;
  const revision = (getEntry(store.read().value, "areas", area)?.revision ?? 0) + 1;
  const index = buildIndex(area, revision);
  if (slowRefreshMs > 0) {
    log(`refresh ${area}: slow mount, writing takes ${slowRefreshMs} ms`);
    // A shutdown that has waited half its deadline for this refresh cuts it short: a pending sleep
    // would keep the process alive past the close deadline. Nothing was written or committed.
    const aborted = await sleep(slowRefreshMs, false, { signal: slowMount.signal }).catch(
      () => true,
    );
    if (aborted) {
      log(`refresh ${area}: stopped by the shutdown`);
      return;
    }
  }
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

/**
 * Stops the loads and the timer, lets the start-up and the refresh in flight finish (the latter
 * within the close deadline), then closes the store with what is left of the deadline.
 */
async function shutdown() {
  const began = performance.now();
  stop.abort(new Error("shutdown"));
  clearInterval(timer);
  await startup.catch(() => undefined);
  // The refresh in flight gets half the deadline; the store's close keeps the other half, so its
  // outcome does not depend on how late the refresh would have ended.
  const refreshWaitMs = Math.floor(closeTimeoutMs / 2);
  const finished = await Promise.race([
    refreshing.then(() => true),
    sleep(refreshWaitMs, false, { ref: false }),
  ]);
  if (!finished) {
    log(`shutdown: the refresh in flight outlasted ${refreshWaitMs} ms; stopping it and closing`);
    slowMount.abort();
  }
  let ok = process.exitCode === undefined || process.exitCode === 0;
  if (store !== undefined) {
    const timeoutMs = Math.max(0, Math.floor(closeTimeoutMs - (performance.now() - began)));
    if (timeoutMs === 0) log(`shutdown: no time left of the ${closeTimeoutMs} ms close deadline`);
    const closed = await store.close({ timeoutMs });
    log(
      `close: outcome=${closed.outcome} committedSeq=${closed.committedSeq} durableSeq=${closed.durableSeq} unsaved=${closed.unsaved} (${closed.durationMs.toFixed(1)} ms)`,
    );
    ok &&= closed.ok;
  }
  // The writer gave up on what its deadline left; a write stuck in a hung disk must not hold the
  // sink's close either.
  await sink
    .close({ timeoutMs: 1000 })
    .catch((error) => log(`sink close: ${error.code} ${error.message}`));
  clearInterval(keepAlive);
  process.exitCode = ok ? 0 : 1;
}
