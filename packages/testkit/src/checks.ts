// The vitest-free part of `@snapwrite/testkit/contract`: every check function, usable from plain
// scripts (importing `./contract` outside the vitest runner fails, as its suites call describe()).
export type { AllocationReport } from "./checks/allocation-guard.js";
export { guardAllocations } from "./checks/allocation-guard.js";
export type { CodecContractOptions, CodecSample } from "./checks/codec-checks.js";
export {
  checkCodecDoesNotMutate,
  checkCodecInvalid,
  checkCodecSamples,
  checkCodecStableBytes,
  encodeToBytes,
} from "./checks/codec-checks.js";
export {
  checkCodecChunkHandover,
  checkCodecEncodeKeepsInput,
} from "./checks/codec-encode-checks.js";
export type { CodecFuzzOptions } from "./checks/codec-fuzz.js";
export { checkCodecFuzz, decodeUnderGuard } from "./checks/codec-fuzz.js";
export { ContractViolation } from "./checks/contract-violation.js";
export type { ByteDamage } from "./checks/damage-bytes.js";
export { byteDamage, damageBytes } from "./checks/damage-bytes.js";
export { checkCrashAtomicity, checkCrashDurability } from "./checks/fs-crash-checks.js";
export { checkFailureCleanup } from "./checks/fs-failure-cleanup.js";
export { checkFaultMatrix } from "./checks/fs-fault-matrix.js";
export type { FsSinkCheckOptions, FsSinkEnv, FsSinkFactory } from "./checks/fs-sink-options.js";
export {
  DEFAULT_FAULT_CODES,
  defaultExpectedStage,
  defaultMayRecover,
} from "./checks/fs-sink-options.js";
export type {
  AppendLogCheckOptions,
  AppendLogEnv,
  AppendLogUnderTest,
  JournalCheckOptions,
  JournalEnv,
  JournalUnderTest,
} from "./checks/journal-checks.js";
export {
  checkAppendLogCrashStates,
  checkAppendLogTornTail,
  checkAppendLogWriters,
  checkJournalCrashStates,
  checkJournalRoundTrip,
  isLocatedCorruption,
} from "./checks/journal-checks.js";
export type { FailedWriteCheckOptions, LargePayloadOptions } from "./checks/sink-checks.js";
export {
  checkAbort,
  checkBackup,
  checkConcurrentWrites,
  checkEmptyPayload,
  checkFencing,
  checkInvalidTargets,
  checkLargePayload,
  checkNotFound,
  checkOverwrite,
  checkQuarantine,
  checkQuarantineExpected,
  checkReadDuringWrite,
  checkRoundTrip,
  checkSourceFailure,
  INVALID_TARGETS,
} from "./checks/sink-checks.js";
export {
  checkWriterBurst,
  checkWriterFailingThenRecovering,
  checkWriterFinalSave,
  checkWriterHungSinkAtShutdown,
} from "./checks/writer-scenarios.js";
