#!/usr/bin/env node
// A live app's runtime state (open documents, cursor, layout, settings) saved as JSON while the
// user works: debounced saves with a maximum delay, explicit "apply preset" saves that wait for
// their result, an "unsaved changes" indicator read from the writer's health, and a shutdown that
// is bounded even though one sink (a remote mirror) has hung.
//
//   node src/main.mjs --dir ./data [--deadline-ms 1500] [--edit-every-ms 10]
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPersistenceWriter, loadTarget } from "@snapwrite/core";
import { createJsonCodec } from "@snapwrite/formats-json";
import { createFsSink, lockFile } from "@snapwrite/sink-fs";
import { createHungSink } from "./hung-sink.mjs";

const USAGE = "usage: node src/main.mjs --dir DIR [--deadline-ms MS] [--edit-every-ms MS]";
/** Prints one line saying what was wrong, then the usage, and exits 2. */
const usageError = (problem) => {
  process.stderr.write(`live-app-state: ${problem}\n${USAGE}\n`);
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
      "deadline-ms": { type: "string", default: "1500" },
      "edit-every-ms": { type: "string", default: "10" },
    },
  }));
} catch (error) {
  usageError(error.message.split("\n")[0]); // an unknown flag, a missing value, or one like `-5`
}
if (!values.dir) usageError("--dir is required");
// Checked before anything is loaded: a bad deadline found at SIGTERM would cost the final save.
const deadlineMs = wholeNumber("--deadline-ms", values["deadline-ms"], 0, TEN_MINUTES_MS);
const editEveryMs = wholeNumber("--edit-every-ms", values["edit-every-ms"], 1, TEN_MINUTES_MS);
const log = (line) => process.stdout.write(`${line}\n`);

// One instance per folder: two would overwrite each other's saves. The lock file
// `.live-app-state.lock` is held until the process ends (a dead holder's lock is broken at once); a second
// instance waits LOCK_WAIT_MS for it, then stops with ERR_LOCKED.
const LOCK_WAIT_MS = 2_000;
await mkdir(values.dir, { recursive: true });
const instanceLock = await lockFile(join(values.dir, "live-app-state"), {
  waitMs: LOCK_WAIT_MS,
}).catch((error) => {
  log(`cannot start: ${error.code} ${error.message.split("\n")[0]}`);
  process.exit(1);
});

// A versioned envelope, so a later release can migrate old files.
const codec = createJsonCodec({ version: 1 });
const sink = createFsSink({ dir: values.dir });
// A missing file is a first start; anything else (corrupt, unreadable, a newer version, a value
// that is not an app state) stops here rather than overwriting the user's data. The load moves
// nothing aside (`quarantine: false`): a bad file stays where it is, so every later start stops
// too, until the user restores or removes it.
const loaded = await loadTarget(sink, "state.json", codec, { quarantine: false });
if (!loaded.ok && loaded.error.code !== "ERR_NOT_FOUND") {
  log(`cannot load state.json: ${loaded.error.code} ${loaded.error.message}`);
  await instanceLock.release();
  process.exit(1);
}
if (loaded.ok && !isAppState(loaded.value)) {
  log(
    "cannot load state.json: ERR_CORRUPT it holds no app state (edits, preset, layout, documents)",
  );
  await instanceLock.release();
  process.exit(1);
}
/** The shape this program saves; a file holding anything else is not started from. */
function isAppState(value) {
  return (
    typeof value === "object" &&
    value !== null &&
    Number.isInteger(value.edits) &&
    typeof value.preset === "string" &&
    typeof value.layout === "object" &&
    value.layout !== null &&
    Array.isArray(value.documents) &&
    value.documents.length > 0 &&
    typeof value.documents[0]?.text === "string" &&
    Number.isInteger(value.documents[0]?.cursor)
  );
}
let state = loaded.ok
  ? loaded.value
  : {
      edits: 0,
      preset: "default",
      layout: { sidebar: 280, panels: ["files", "outline"] },
      documents: [{ path: "notes.md", cursor: 0, text: "" }],
    };

const local = createPersistenceWriter({ sink });
const appState = local.register("state.json", {
  snapshot: () => state, // the state is replaced, never changed in place: no copy needed
  codec,
  debounceMs: 250,
  maxDelayMs: 1000,
});
// A mirror of the same state on a remote sink that hangs.
const remoteSink = createHungSink();
const remote = createPersistenceWriter({ sink: remoteSink });
const mirror = remote.register("state.json", {
  snapshot: () => state,
  codec,
  debounceMs: 500,
  maxDelayMs: 2000,
});

// The "unsaved changes" indicator: what the title bar would show, printed when it changes.
let shown;
const indicator = setInterval(() => {
  const unsaved = local.health().targets["state.json"]?.unsaved ?? false;
  if (unsaved !== shown) {
    shown = unsaved;
    log(unsaved ? "[indicator] ● unsaved changes" : "[indicator] ✓ all changes saved");
  }
}, 20);

// The handlers go in before "ready" is printed: a supervisor that signals as soon as it reads that
// line must never meet the default action, which kills the process without a final save. They run
// in a later turn, after the rest of this module (no await follows), so `shutdown` sees its timers.
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

log(
  `ready: ${loaded.ok ? "loaded" : "new"} state, ${state.edits} edits so far (pid ${process.pid})`,
);

// The user types in bursts: 400 ms of typing, then 600 ms of reading.
const startedAt = Date.now();
const editor = setInterval(() => {
  if ((Date.now() - startedAt) % 1000 >= 400) return;
  const doc = state.documents[0];
  state = {
    ...state,
    edits: state.edits + 1,
    documents: [{ ...doc, text: `${doc.text.slice(-2000)}x`, cursor: doc.cursor + 1 }],
  };
  appState.request("typing");
  mirror.request("typing");
}, editEveryMs);

// Every 1.5 s the user applies a preset: an explicit save whose result the UI reports.
const PRESETS = ["focus", "review", "presentation"];
let presetCount = 0;
const presets = setInterval(async () => {
  const preset = PRESETS[presetCount++ % PRESETS.length];
  state = { ...state, preset, layout: { ...state.layout, sidebar: 200 + presetCount * 10 } };
  mirror.request("preset");
  const result = await appState.saveNow(`preset:${preset}`);
  log(
    result.ok
      ? `[preset] ${preset} saved: generation ${result.generation}, ${result.bytes} bytes, ${result.requests} requests, ${result.timings.totalMs.toFixed(1)} ms`
      : `[preset] ${preset} NOT saved: ${result.error.code} (${result.error.message})${result.willRetry ? ", retrying" : ""}`,
  );
}, 1500);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  clearInterval(editor);
  clearInterval(presets);
  clearInterval(indicator);
  log(`[shutdown] ${signal}: closing both writers, deadline ${deadlineMs} ms`);
  const started = performance.now();
  const [localReport, remoteReport] = await Promise.all([
    local.close({ timeoutMs: deadlineMs }),
    remote.close({ timeoutMs: deadlineMs }),
  ]);
  for (const [name, report] of [
    ["local", localReport],
    ["remote", remoteReport],
  ]) {
    for (const t of report.targets) {
      log(`[shutdown] ${name} ${t.target}: ${t.outcome}${t.error ? ` (${t.error.code})` : ""}`);
    }
  }
  // The writer gave up on what its deadline left; a write stuck in a hung disk must not hold the
  // sink's close either.
  await sink
    .close({ timeoutMs: 1000 })
    .catch((error) => log(`[shutdown] sink: ${error.code} ${error.message}`));
  await instanceLock.release();
  log(
    `final: edits=${state.edits} preset=${state.preset} local=${localReport.ok ? "saved" : "NOT saved"} remote=${remoteReport.ok ? "saved" : "not saved"} closed in ${(performance.now() - started).toFixed(0)} ms (${remoteSink.writes} remote writes never answered)`,
  );
  // The local state is what matters; the remote mirror is best effort.
  process.exitCode = localReport.ok ? 0 : 1;
}
