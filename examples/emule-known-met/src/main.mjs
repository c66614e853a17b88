#!/usr/bin/env node
// An eMule-style owner of known.met (100k shared files) and cancelled.met. The known.met target is
// kept in a worker replica: each change costs the owner one small patch, and saving (encoding
// ~20 MB, writing, fsync) happens in the worker. cancelled.met is small and saved from a snapshot.
// Saves are periodic while the files keep changing; SIGINT/SIGTERM makes a final save within a
// deadline. Diagnostics come from the writer's events and health.
//
//   node src/main.mjs --dir ./data [--records 100000] [--deadline-ms 5000] [--mutate-every-ms 2]
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPersistenceWriter, loadTarget } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/core/codec-kit";
import { createWorkerReplica } from "@snapwrite/executor-worker";
import {
  addCancelledFile,
  EMULE_CANCELLED_VERSION,
  emuleCancelledMetCodec,
  KNOWN_MET_PATCH_TAGS,
  knownMetCodec,
} from "@snapwrite/formats-met";
import { createFsSink, lockFile } from "@snapwrite/sink-fs";
import { generateRecords, withUpload } from "./records.mjs";

const USAGE =
  "usage: node src/main.mjs --dir DIR [--records N] [--deadline-ms MS] [--mutate-every-ms MS]";
/** Prints one line saying what was wrong, then the usage, and exits 2. */
const usageError = (problem) => {
  process.stderr.write(`emule-known-met: ${problem}\n${USAGE}\n`);
  process.exit(2);
};
/** A flag's value as a whole number from `min` to `max`; anything else is a usage error. */
const wholeNumber = (flag, raw, min, max) => {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    usageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};
// Durations stay far below a timer's limit (2^31 - 1 ms), the last-resort timer's margin included.
const TEN_MINUTES_MS = 600_000;
let values;
try {
  ({ values } = parseArgs({
    options: {
      dir: { type: "string" },
      records: { type: "string", default: process.env.EXAMPLE_RECORDS ?? "100000" },
      "deadline-ms": { type: "string", default: "5000" },
      "mutate-every-ms": { type: "string", default: "2" },
    },
  }));
} catch (error) {
  usageError(error.message.split("\n")[0]); // an unknown flag, a missing value, or one like `-5`
}
if (!values.dir) usageError("--dir is required");
const dir = values.dir;
// Checked before anything is loaded: a bad deadline found at SIGTERM would cost the final save.
const recordCount = wholeNumber("--records", values.records, 1, 10_000_000);
const deadlineMs = wholeNumber("--deadline-ms", values["deadline-ms"], 0, TEN_MINUTES_MS);
const mutateEveryMs = wholeNumber(
  "--mutate-every-ms",
  values["mutate-every-ms"],
  1,
  TEN_MINUTES_MS,
);
const log = (line) => process.stdout.write(`${line}\n`);
const started = performance.now();

// One instance per folder: two would overwrite each other's saves. The lock file
// `.emule-known-met.lock` is held until the process ends (a dead holder's lock is broken at once); a second
// instance waits LOCK_WAIT_MS for it, then stops with ERR_LOCKED.
const LOCK_WAIT_MS = 2_000;
await mkdir(values.dir, { recursive: true });
const instanceLock = await lockFile(join(values.dir, "emule-known-met"), {
  waitMs: LOCK_WAIT_MS,
}).catch((error) => {
  log(`cannot start: ${error.code} ${error.message.split("\n")[0]}`);
  process.exit(1);
});

// Load what a previous run saved. A missing file is a first start; anything else (corrupt,
// unreadable, a newer version) stops here rather than overwriting the user's data with a fresh
// list. The load moves nothing aside (`quarantine: false`): a corrupt file stays where it is, so
// every later start stops too, until the user restores or removes it.
const sink = createFsSink({ dir });
const LOAD = { quarantine: false };
const loadedKnown = await loadTarget(sink, "known.met", knownMetCodec, LOAD);
let records;
if (loadedKnown.ok) {
  records = [...loadedKnown.value.records];
} else if (loadedKnown.error.code === "ERR_NOT_FOUND") {
  records = generateRecords(recordCount);
} else {
  log(`cannot load known.met: ${loadedKnown.error.code} ${loadedKnown.error.message}`);
  await instanceLock.release();
  process.exit(1);
}
const loadedCancelled = await loadTarget(sink, "cancelled.met", emuleCancelledMetCodec, LOAD);
let cancelled;
if (loadedCancelled.ok) {
  cancelled = loadedCancelled.value;
} else if (loadedCancelled.error.code === "ERR_NOT_FOUND") {
  cancelled = { format: "salted", version: EMULE_CANCELLED_VERSION, seed: 0, entries: [] };
} else {
  log(`cannot load cancelled.met: ${loadedCancelled.error.code} ${loadedCancelled.error.message}`);
  await instanceLock.release();
  process.exit(1);
}

const encodeAll = () => concatChunks(knownMetCodec.encode({ header: "auto", records }));
const replica = createWorkerReplica({
  module: new URL("./known-worker.mjs", import.meta.url),
  options: { dir },
  // After a worker crash the writer starts a new worker: refill it with the whole current list.
  resync: (fresh) => {
    const file = encodeAll();
    fresh.patch({ op: "load", file }, [file.buffer]);
  },
});
const first = encodeAll();
replica.patch({ op: "load", file: first }, [first.buffer]);

const writer = createPersistenceWriter({ sink });
const known = writer.register("known.met", { runner: replica, debounceMs: 200, maxDelayMs: 2000 });
const cancelledTarget = writer.register("cancelled.met", {
  snapshot: () => cancelled,
  codec: emuleCancelledMetCodec,
  debounceMs: 200,
  maxDelayMs: 2000,
});

// Diagnostics: one line per finished write and per scheduled retry.
writer.subscribe((event) => {
  const r = event.result;
  if (event.type === "write-finished" && r) {
    const t = r.timings;
    log(
      r.ok
        ? `[save] ${r.target} generation ${r.generation} ok: ${r.bytes} bytes, ${r.requests} requests coalesced, owner ${t.snapshotMs.toFixed(2)} ms, encode ${t.encodeMs.toFixed(1)} ms, write ${t.writeMs.toFixed(1)} ms, total ${t.totalMs.toFixed(1)} ms`
        : `[save] ${r.target} generation ${r.generation} FAILED: ${r.error.code} at ${r.stage}${r.willRetry ? `, retry in ${r.retryInMs} ms` : ""}`,
    );
  } else if (event.type === "retry-scheduled" && r && !r.ok) {
    log(`[retry] ${r.target} after ${r.error.code}, in ${r.retryInMs} ms`);
  }
});
const healthTimer = setInterval(() => {
  const { totals } = writer.health();
  log(
    `[health] requests ${totals.requests}, writes ${totals.writes}, coalesced ${totals.coalesced}, failures ${totals.failures}, unsaved targets ${totals.unsavedTargets}`,
  );
}, 1000);

// The handlers go in before "ready" is printed: a supervisor that signals as soon as it reads that
// line must never meet the default action, which kills the process without a final save. They run
// in a later turn, after the rest of this module (no await follows), so `shutdown` sees its timers.
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

log(
  `ready: ${records.length} records ${loadedKnown.ok ? "loaded" : "generated"}, ${cancelled.entries.length} cancelled, in ${(performance.now() - started).toFixed(0)} ms (pid ${process.pid})`,
);

// The "client": uploads touch random shared files; now and then a download is cancelled.
let mutations = 0;
let state = 0x9e3779b9;
const nextIndex = () => {
  state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return state % records.length;
};
const timer = setInterval(() => {
  const i = nextIndex();
  const next = withUpload(records[i], 180_000, Math.floor(Date.now() / 1000));
  records[i] = next;
  // Just this record's bytes, copied into a batched buffer that is transferred to the worker.
  replica.patchBytes(KNOWN_MET_PATCH_TAGS.put, next.bytes);
  known.request("upload");
  mutations++;
  if (mutations % 100 === 0) {
    const hash = new Uint8Array(16);
    crypto.getRandomValues(hash);
    cancelled = addCancelledFile(cancelled, hash);
    cancelledTarget.request("download-cancelled");
  }
}, mutateEveryMs);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  clearInterval(healthTimer);
  log(`[shutdown] ${signal}: final save of every unsaved target, deadline ${deadlineMs} ms`);
  // A last resort: never hang past the deadline, whatever happens.
  setTimeout(() => process.exit(3), deadlineMs + 5000).unref();
  const report = await writer.close({ timeoutMs: deadlineMs });
  for (const t of report.targets) {
    log(
      `[shutdown] ${t.target}: ${t.outcome} (generation ${t.generation})${t.error ? ` ${t.error.code}` : ""}`,
    );
  }
  // The writer gave up on what its deadline left; a write stuck in a hung disk must not hold the
  // sink's close either.
  await sink
    .close({ timeoutMs: 1000 })
    .catch((error) => log(`[shutdown] sink: ${error.code} ${error.message}`));
  await instanceLock.release();
  let requests = 0;
  for (const record of records) requests += record.requests ?? 0;
  log(
    `final: records=${records.length} requests=${requests} cancelled=${cancelled.entries.length} mutations=${mutations} ok=${report.ok} in ${report.durationMs.toFixed(0)} ms`,
  );
  process.exitCode = report.ok ? 0 : 1;
}
