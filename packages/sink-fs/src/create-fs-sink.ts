import type { TargetId } from "@snapwrite/core";
import { defineSink } from "@snapwrite/core/sink-kit";
import { abortFailure } from "./abort-failure.js";
import { buildFsSinkContext } from "./build-fs-sink-context.js";
import type { FsSink, FsSinkOptions } from "./fs-sink-types.js";
import { quarantineTarget } from "./quarantine/quarantine-target.js";
import { readTarget } from "./read/read-target.js";
import { assertNotReserved, targetPath } from "./read/target-path.js";
import { sweepTree } from "./sweep/directory-sweeps.js";
import { parseSweepOptions } from "./sweep/sweep-options.js";
import { writeTarget } from "./write/write-target.js";

/**
 * Creates the file sink. Every write goes to an exclusive temp file next to the target, is fsynced,
 * renamed over the target and made durable with a directory fsync; readers see the old or the new
 * content, never a mix. Writes to one target are serialized in call order (the last call wins).
 * Throws `TypeError`/`RangeError` for bad options.
 */
export function createFsSink(options: FsSinkOptions): FsSink {
  const context = buildFsSinkContext(options);
  const { runtime, root, settings } = context;
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
