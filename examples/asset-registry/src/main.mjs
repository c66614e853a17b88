#!/usr/bin/env node
// An asset registry (id → name, kind, owner, uploaded file) kept in memory and committed
// write-through to a durable store: every change is journaled and synced before `read()` shows
// it, every read is served from memory, a command that fails changes nothing and is never retried,
// and an upload whose point patch does not apply triggers a counted reload. Snapshots are written by
// a replica of the registry in a worker thread (src/registry-replica.mjs).
//
//   node src/main.mjs --dir ./data [--burst N]
//
// First run on an empty folder: registers assets, shows a duplicate being refused, uploads files
// (one of them for an asset nobody registered). Later runs warm-load and list what is there.
// `--burst N` then registers N more assets one commit at a time, printing each acknowledgement.
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PersistenceError } from "@snapwrite/core";
import { createStoreReplica } from "@snapwrite/executor-worker";
import { createJsonOpsCodec } from "@snapwrite/formats-json";
import { createExclusiveFileLock } from "@snapwrite/journal";
import {
  applyKeyedOps,
  emptyCollections,
  getCollection,
  getEntry,
  openDurableStore,
} from "@snapwrite/store";
import { snapshotCodec } from "./registry-codec.mjs";

/** Prints one line saying what was wrong, then the usage, and exits 2. */
const usageError = (problem) => {
  process.stderr.write(
    `asset-registry: ${problem}\nusage: node src/main.mjs --dir DIR [--burst N]\n`,
  );
  process.exit(2);
};
let values;
try {
  ({ values } = parseArgs({
    options: { dir: { type: "string" }, burst: { type: "string", default: "0" } },
  }));
} catch (error) {
  usageError(error.message.split("\n")[0]); // an unknown flag or a missing value
}
if (!values.dir) usageError("--dir is required");
const dir = values.dir;
// A burst is a demonstration: a million commits at most.
const MAX_BURST = 1_000_000;
const burst =
  /^\d+$/.test(values.burst) && Number(values.burst) <= MAX_BURST
    ? Number(values.burst)
    : usageError(`--burst must be a whole number up to ${MAX_BURST}, got "${values.burst}"`);
const log = (line) => process.stdout.write(`${line}\n`);

// Snapshots are written by a replica of the registry in a worker thread (src/registry-replica.mjs),
// fed with the journal's op batches: a compaction encodes nothing on this thread.
const registryDir = join(dir, "registry");
const replica = createStoreReplica({
  module: new URL("./registry-replica.mjs", import.meta.url),
  options: { dir: registryDir },
});

/** How long a second instance on the same folder waits for the first one's lock. */
const LOCK_WAIT_MS = 2_000;
const opened = await openDurableStore({
  dir: registryDir,
  codec: snapshotCodec,
  ops: createJsonOpsCodec(), // journal records: the point patches themselves
  apply: applyKeyedOps,
  empty: emptyCollections,
  compaction: false, // this demo compacts by hand, so the warm load below has a snapshot to show
  replica, // closed by store.close()
  // One process per folder: a second one waits LOCK_WAIT_MS for the lock, then stops with
  // ERR_LOCKED instead of appending to the same journal (which would corrupt it or lose commits).
  lock: createExclusiveFileLock({ waitMs: LOCK_WAIT_MS }),
}).catch((error) => {
  // A folder that is a file, a snapshot that is a FIFO, a held lock: one line, not a stack trace.
  const code = error.code ?? error.name;
  const message = error.message.startsWith(code) ? error.message : `${code} ${error.message}`;
  log(`cannot open ${registryDir}: ${message.split("\n")[0]}`);
  process.exitCode = 1;
  return undefined;
});
if (opened === undefined) {
  await replica.close();
  process.exit(1);
}
const { store, load } = opened;
log(
  `load: source=${load.source} snapshotSeq=${load.snapshotSeq} replayed=${load.replayed} seq=${load.seq} (${load.timings.totalMs.toFixed(1)} ms)`,
);

/** Every read is `store.read()`: the published root, from memory, no I/O. */
const assets = () => getCollection(store.read().value, "assets");
const listAssets = () => {
  const { seq } = store.read();
  log(`assets: ${assets().size} at seq ${seq}: ${[...assets().keys()].join(",")}`);
};
const showAsset = (id) =>
  log(`asset ${id}: ${JSON.stringify(getEntry(store.read().value, "assets", id) ?? null)}`);

const describe = (result) =>
  result.ok
    ? `ok seq=${result.seq} durable=${result.durable} patched=${result.patched} reloaded=${result.reloaded} group=${result.group.commands}/${result.group.bytes}B${result.error ? ` error=${result.error.code}` : ""}`
    : `failed ${result.error.code} committed=${result.committed}: ${result.error.message}`;

/** Registers an asset: the command reads the state its group applies to and refuses duplicates. */
const register = (id, asset) =>
  store.commit(`register ${id}`, (state) => {
    if (getEntry(state, "assets", id) !== undefined) {
      throw new PersistenceError("ERR_CONFLICT", `asset ${id} is already registered`);
    }
    return [{ op: "put", collection: "assets", key: id, value: asset }];
  }).settled;

/**
 * Uploads an asset's file. The file is the caller's own durable write (`persist`); the registry
 * then records it, which only applies to a registered asset.
 */
const upload = (id, content) => {
  const file = join(dir, "files", id);
  return store.commitExternal(`upload ${id}`, {
    persist: async () => {
      await mkdir(join(dir, "files"), { recursive: true });
      await writeFile(file, content);
    },
    ops: (state) => {
      if (getEntry(state, "assets", id) === undefined) {
        throw new PersistenceError("ERR_NOT_FOUND", `asset ${id} is not registered`);
      }
      return [
        {
          op: "merge",
          collection: "assets",
          key: id,
          value: { file: `files/${id}`, bytes: Buffer.byteLength(content) },
        },
      ];
    },
  }).settled;
};

if (load.source === "empty") {
  // Three registrations queued at once: they share a group (one write, one fsync) when they can.
  const first = [
    ["logo", { name: "Logo", kind: "image/svg+xml", owner: "design" }],
    ["intro", { name: "Intro video", kind: "video/mp4", owner: "marketing" }],
    ["manual", { name: "User manual", kind: "application/pdf", owner: "docs" }],
  ];
  const results = await Promise.all(first.map(([id, asset]) => register(id, asset)));
  for (const [i, [id]] of first.entries()) {
    log(`commit register ${id}: ${describe(results[i])}`);
  }
  const compacted = await store.compact("after the first assets");
  log(
    `compact: snapshot at seq ${compacted.seq} (${compacted.bytes} bytes, worker snapshots=${replica.stats.snapshots})`,
  );
  for (const [id, asset] of [
    ["banner", { name: "Banner", kind: "image/png", owner: "marketing" }],
    ["font", { name: "Body font", kind: "font/woff2", owner: "design" }],
  ]) {
    log(`commit register ${id}: ${describe(await register(id, asset))}`);
  }
  listAssets();

  // A failing command: a duplicate id. It settles ERR_COMMAND, writes nothing, changes nothing.
  const before = store.read();
  const duplicate = await register("logo", { name: "Another logo", kind: "image/png", owner: "x" });
  const after = store.read();
  log(`commit register logo again: ${describe(duplicate)}`);
  log(
    `unchanged after the failure: ${after === before} (seq ${after.seq}, logo owner ${getEntry(after.value, "assets", "logo").owner})`,
  );

  // An upload whose patch applies: the file is written, then the registry records it.
  log(`commitExternal upload logo: ${describe(await upload("logo", "<svg/>"))}`);
  showAsset("logo");
  // An upload for an asset nobody registered: the file stands (the caller's write), the patch does
  // not apply, and the store reloads its state instead of guessing.
  log(`commitExternal upload poster: ${describe(await upload("poster", "PNG 1.0"))}`);
  const kept = await stat(join(dir, "files", "poster")).then(
    (s) => `${s.size} bytes`,
    () => "missing",
  );
  log(`poster file after the failed patch: ${kept}`);
} else {
  listAssets();
  showAsset("logo");
}

const health = store.health();
log(
  `health: mode=${health.mode} commits=${health.commits} commandErrors=${health.commandErrors} reloads=${health.reloads} lastReloadReason=${health.lastReloadReason ?? "none"}`,
);

for (let i = 0; i < burst; i++) {
  const id = `burst-${String(i).padStart(4, "0")}`;
  const result = await register(id, { name: `Generated ${i}`, kind: "text/plain", owner: "burst" });
  log(`acked ${id}: ${describe(result)}`);
}

const closed = await store.close({ timeoutMs: 5000 });
log(
  `close: outcome=${closed.outcome} committedSeq=${closed.committedSeq} durableSeq=${closed.durableSeq} unsaved=${closed.unsaved} (${closed.durationMs.toFixed(1)} ms)`,
);
process.exitCode = closed.ok ? 0 : 1;
