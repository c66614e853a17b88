import { describe, it } from "vitest";
import { checkCrashAtomicity, checkCrashDurability } from "../checks/fs-crash-checks.js";
import { checkFailureCleanup } from "../checks/fs-failure-cleanup.js";
import { checkFaultMatrix } from "../checks/fs-fault-matrix.js";
import type { FsSinkCheckOptions } from "../checks/fs-sink-options.js";
import { createMemoryFs } from "../memory-fs.js";
import { describeSinkContract, type SinkContractOptions } from "./describe-sink-contract.js";
import { assertSuiteArguments } from "./suite-arguments.js";

/** Options of {@link describeFsSinkContract}. */
export interface FsSinkContractOptions extends FsSinkCheckOptions {
  /** Options passed on to the generic sink contract run on an in-memory file system. */
  readonly sink?: Omit<SinkContractOptions, "create"> | undefined;
  /** Per-test timeout of the crash and fault tests, in ms. Default 120 000. */
  readonly timeoutMs?: number | undefined;
}

/** Crash consistency through the power-loss simulator. */
export function describeFsSinkCrashConsistency(
  label: string,
  options: FsSinkContractOptions,
): void {
  assertSuiteArguments("describeFsSinkCrashConsistency", label, options, FS_SINK_SUITE_OPTIONS);
  describe(`${label}: crash consistency`, () => {
    it(
      "leaves the complete old or new content in every crash state of a write",
      () => checkCrashAtomicity(options),
      options.timeoutMs ?? 120_000,
    );
    it(
      "keeps a resolved write of a durable sink through every crash",
      () => checkCrashDurability(options),
      options.timeoutMs ?? 120_000,
    );
  });
}

/** The fault matrix: each call of a write × each OS error, plus torn and short writes. */
export function describeFsSinkFaults(label: string, options: FsSinkContractOptions): void {
  assertSuiteArguments("describeFsSinkFaults", label, options, FS_SINK_SUITE_OPTIONS);
  describe(`${label}: fault matrix`, () => {
    it(
      "turns every failing call into a typed error at the right stage and leaves no temp file",
      () => checkFaultMatrix(options),
      options.timeoutMs ?? 120_000,
    );
  });
}

/**
 * Cleanup after failed writes: after every write that `checkAbort` and `checkSourceFailure` make
 * fail, the directory holds nothing but the targets and the backup
 * and lock files the sink keeps (no temp file).
 */
export function describeFsSinkFailureCleanup(label: string, options: FsSinkContractOptions): void {
  assertSuiteArguments("describeFsSinkFailureCleanup", label, options, FS_SINK_SUITE_OPTIONS);
  describe(`${label}: cleanup after failed writes`, () => {
    it(
      "leaves no temp file behind after an aborted write or a throwing chunk source",
      () => checkFailureCleanup(options),
      options.timeoutMs ?? 120_000,
    );
  });
}

/**
 * The contract of a sink built on an {@link FsPort}: the whole sink contract on an in-memory file
 * system, then crash consistency (every crash state of a write reads as complete old or new
 * content; a durable sink's resolved write survives every crash), the fault matrix and cleanup
 * after aborted writes and failing chunk sources.
 */
export function describeFsSinkContract(label: string, options: FsSinkContractOptions): void {
  assertSuiteArguments("describeFsSinkContract", label, options, FS_SINK_SUITE_OPTIONS);
  const dir = options.dir ?? "/data";
  describeSinkContract(label, {
    ...options.sink,
    create: () => options.create({ fs: createMemoryFs({ [dir]: null }), dir }),
  });
  describeFsSinkCrashConsistency(label, options);
  describeFsSinkFaults(label, options);
  describeFsSinkFailureCleanup(label, options);
}

const FS_SINK_SUITE_OPTIONS = Object.freeze({
  create: "function",
  dir: "string?",
  seed: "number?",
  maxStates: "number?",
  seedThroughSink: "boolean?",
  errorCodes: "array?",
  expectedStage: "function?",
  mayRecover: "function?",
  sink: "object?",
  timeoutMs: "number?",
} as const);
