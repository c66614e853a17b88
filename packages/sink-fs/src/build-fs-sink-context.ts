import * as nodeFs from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_CLOCK } from "./default-clock.js";
import type { FsSinkContext } from "./fs-sink-context.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import type { FsSinkOptions } from "./fs-sink-types.js";
import { parseFsSinkOptions } from "./options/parse-options.js";
import { isProcessAlive } from "./process-alive.js";
import { createSweepOnce } from "./sweep/directory-sweeps.js";

/**
 * The context the steps of a file sink share, built from `createFsSink`'s options (checked here:
 * `TypeError`/`RangeError` for bad ones).
 */
export function buildFsSinkContext(options: FsSinkOptions): FsSinkContext {
  const settings = parseFsSinkOptions(options);
  const runtime: FsSinkRuntime = {
    fs: options.fs ?? nodeFs,
    clock: options.clock ?? DEFAULT_CLOCK,
    random: options.random ?? Math.random,
    pid: process.pid,
    hostname: hostname(),
    isProcessAlive: safeLiveness(options.isProcessAlive ?? isProcessAlive),
  };
  return {
    runtime,
    root: resolve(options.dir),
    settings,
    sweepOnce: createSweepOnce(runtime, settings.staleMs, settings.sweepEnabled),
  };
}

/** A liveness test that answers "alive" when unsure, so a failing one never deletes live files. */
function safeLiveness(test: (pid: number) => boolean): (pid: number) => boolean {
  return (pid) => {
    try {
      return test(pid) !== false;
    } catch {
      return true;
    }
  };
}
