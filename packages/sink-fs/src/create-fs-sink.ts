import * as nodeFs from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { TargetId } from "@snapwrite/core";
import { defineSink } from "@snapwrite/core/sink-kit";
import { abortFailure } from "./abort-failure.js";
import { DEFAULT_CLOCK } from "./default-clock.js";
import type { FsSinkContext } from "./fs-sink-context.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import type { FsSink, FsSinkOptions } from "./fs-sink-types.js";
import { parseFsSinkOptions } from "./options/parse-options.js";
import { isProcessAlive } from "./process-alive.js";
import { quarantineTarget } from "./quarantine/quarantine-target.js";
import { readTarget } from "./read/read-target.js";
import { assertNotReserved, targetPath } from "./read/target-path.js";
import { createSweepOnce, sweepTree } from "./sweep/directory-sweeps.js";
import { parseSweepOptions } from "./sweep/sweep-options.js";
import { writeTarget } from "./write/write-target.js";

/**
 * Creates the file sink. Every write goes to an exclusive temp file next to the target, is fsynced,
 * renamed over the target and made durable with a directory fsync; readers see the old or the new
 * content, never a mix. Writes to one target are serialized in call order (the last call wins).
 * Throws `TypeError`/`RangeError` for bad options.
 */
export function createFsSink(options: FsSinkOptions): FsSink {
  const settings = parseFsSinkOptions(options);
  const root = resolve(options.dir);
  const runtime: FsSinkRuntime = {
    fs: options.fs ?? nodeFs,
    clock: options.clock ?? DEFAULT_CLOCK,
    random: options.random ?? Math.random,
    pid: process.pid,
    hostname: hostname(),
    isProcessAlive: safeLiveness(options.isProcessAlive ?? isProcessAlive),
  };
  const context: FsSinkContext = {
    runtime,
    root,
    settings,
    sweepOnce: createSweepOnce(runtime, settings.staleMs, settings.sweepEnabled),
  };
  // defineSink does the outer shell: target checks, ERR_CLOSED, aborts before the start, and the
  // per-target queue (one target is one file: writes and quarantines run one at a time, in order).
  const sink = defineSink({
    capabilities: {
      atomicReplace: true,
      durable: settings.durable,
      backup: settings.keepBackup,
      crossProcessLock: settings.lock !== undefined,
      fencing: false,
    },
    checksExpected: true,
    readAfterClose: true,
    checkTarget(target: TargetId, stage) {
      assertNotReserved(target, stage);
      targetPath(root, target, stage);
    },
    abortError: (target, signal) => abortFailure(target, "open", signal),
    writeNow: (target, chunks, writeOptions) =>
      writeTarget(context, target, chunks, writeOptions.signal),
    readNow: (target, readOptions) => readTarget(context, target, readOptions),
    quarantineNow: (target, _reason, quarantineOptions) =>
      quarantineTarget(context, target, quarantineOptions),
  });
  return {
    dir: root,
    capabilities: sink.capabilities,
    write: sink.write as FsSink["write"],
    read: sink.read,
    quarantine: sink.quarantine as FsSink["quarantine"],
    close: sink.close,
    [Symbol.asyncDispose]: sink.close,
    sweep: async (sweepOptions) =>
      sweepTree(runtime, root, settings.staleMs, parseSweepOptions(sweepOptions)),
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
