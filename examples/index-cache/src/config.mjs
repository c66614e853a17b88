// The index-cache daemon's configuration: its flags (a bad one is one line on stderr, then the
// usage, exit code 2) and its tunables, resolved by `resolvePolicy` from defaults in code and
// INDEX_CACHE_* variables (a bad value names the variable, exit code 2). Read once, at start.
import { parseArgs } from "node:util";
import { resolvePolicy } from "@snapwrite/core";

const USAGE = "usage: node src/main.mjs --dir DIR [--hung-target] [--slow-refresh-ms N]";
/** Prints one line saying what was wrong, then the usage, and exits 2. */
const usageError = (problem) => {
  process.stderr.write(`index-cache: ${problem}\n${USAGE}\n`);
  process.exit(2);
};
let parsed;
try {
  ({ values: parsed } = parseArgs({
    options: {
      dir: { type: "string" },
      "hung-target": { type: "boolean", default: false },
      "slow-refresh-ms": { type: "string", default: "0" },
    },
  }));
} catch (error) {
  // An unknown flag, a missing value or one that looks like a flag (`--slow-refresh-ms -5`).
  usageError(error.message.split("\n")[0]);
}
if (!parsed.dir) usageError("--dir is required");
// A longer wait than a Node timer takes (2^31 - 1 ms) would fire at once: ten minutes at most.
const MAX_SLOW_REFRESH_MS = 600_000;
export const slowRefreshMs =
  /^\d+$/.test(parsed["slow-refresh-ms"]) &&
  Number(parsed["slow-refresh-ms"]) <= MAX_SLOW_REFRESH_MS
    ? Number(parsed["slow-refresh-ms"])
    : usageError(
        `--slow-refresh-ms must be a whole number of ms up to ${MAX_SLOW_REFRESH_MS}, got "${parsed["slow-refresh-ms"]}"`,
      );

// --- Policies: defaults in code, environment overrides checked and printed once ---------------
// Every duration has a maximum: a timer longer than Node's 2^31 - 1 ms would fire after 1 ms (a
// refresh loop without a pause), and a daemon has no use for a deadline of days anyway.
const DAY_MS = 86_400_000;
const TEN_MINUTES_MS = 600_000;
let policy;
try {
  policy = resolvePolicy({
    refreshMs: {
      default: 60_000,
      min: 10,
      max: DAY_MS,
      integer: true,
      env: "INDEX_CACHE_REFRESH_MS",
    },
    loadTimeoutMs: {
      default: 5_000,
      min: 1,
      max: TEN_MINUTES_MS,
      integer: true,
      env: "INDEX_CACHE_LOAD_TIMEOUT_MS",
    },
    loadConcurrency: {
      default: 8,
      min: 1,
      max: 64,
      integer: true,
      env: "INDEX_CACHE_LOAD_CONCURRENCY",
    },
    closeTimeoutMs: {
      default: 5_000,
      min: 0,
      max: TEN_MINUTES_MS,
      integer: true,
      env: "INDEX_CACHE_CLOSE_TIMEOUT_MS",
    },
  });
} catch (error) {
  // resolvePolicy's message names the variable and the value it refused.
  process.stderr.write(`index-cache: bad configuration: ${error.message}\n`);
  process.exit(2);
}
export const args = { dir: parsed.dir, hungTarget: parsed["hung-target"] };
export { policy };
