// A watchdog thread for the codec fuzzer: a decode that loops forever cannot be interrupted from
// its own thread (no timer, no test timeout fires while it runs), so another thread watches it.
import { Worker } from "node:worker_threads";

/** Marks the decodes the watchdog watches. */
export interface DecodeWatchdog {
  /** A decode of `input` starts. */
  start(input: Uint8Array): void;
  /** The decode returned or threw. */
  finish(): void;
  /** Ends the watchdog thread. */
  stop(): void;
}

const GENERATION = 0;
const RUNNING = 1;
const STOP = 2;
const INPUT_BYTES = 3;
const PREVIEW_BYTES = 48;

// Runs in the watchdog thread (CommonJS, evaluated from this string). Once a single decode has
// run `limitMs` without returning, it writes what it knows straight to file descriptor 2 (the
// blocked thread cannot flush `process.stderr`) and ends the process with SIGKILL: a signal with a
// JS handler would wait for the blocked thread forever.
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { state, preview, limitMs, codecName } = workerData;
const step = Math.max(5, Math.min(250, Math.floor(limitMs / 10)));
let seen = -1;
let since = Date.now();
while (Atomics.load(state, ${STOP}) === 0) {
  const generation = Atomics.load(state, ${GENERATION});
  const now = Date.now();
  if (Atomics.load(state, ${RUNNING}) === 0 || generation !== seen) {
    seen = generation;
    since = now;
  } else if (now - since >= limitMs) {
    const bytes = Atomics.load(state, ${INPUT_BYTES});
    const shown = Array.from(preview.subarray(0, Math.min(bytes, preview.length)), (b) => b.toString(16).padStart(2, "0")).join(" ");
    writeSync(2, "\\ncheckCodecFuzz: " + codecName + ": decoding " + bytes + " bytes [" + shown + (bytes > preview.length ? " …" : "") + "] has not returned after " + limitMs + " ms (hangLimitMs). A synchronous loop cannot be interrupted from its own thread, so the process is ended now (SIGKILL).\\n");
    process.kill(process.pid, "SIGKILL");
  }
  Atomics.wait(state, ${STOP}, 0, step);
}
`;

/**
 * Starts a watchdog thread that ends the process, after writing the input to stderr, when a
 * single decode runs `limitMs` without returning. `limitMs` of `Infinity` gives a no-op watchdog.
 */
export function startDecodeWatchdog(codecName: string, limitMs: number): DecodeWatchdog {
  if (limitMs === Number.POSITIVE_INFINITY) {
    return { start() {}, finish() {}, stop() {} };
  }
  const state = new Int32Array(new SharedArrayBuffer(4 * 4));
  const preview = new Uint8Array(new SharedArrayBuffer(PREVIEW_BYTES));
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { state, preview, limitMs, codecName },
  });
  worker.unref();
  return {
    start(input) {
      preview.set(input.subarray(0, PREVIEW_BYTES));
      Atomics.store(state, INPUT_BYTES, input.byteLength);
      Atomics.add(state, GENERATION, 1);
      Atomics.store(state, RUNNING, 1);
    },
    finish() {
      Atomics.store(state, RUNNING, 0);
    },
    stop() {
      Atomics.store(state, STOP, 1);
      Atomics.notify(state, STOP);
      void worker.terminate();
    },
  };
}
