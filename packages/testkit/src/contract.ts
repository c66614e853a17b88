export type { AllocationReport } from "./contract/allocation-guard.js";
export { guardAllocations } from "./contract/allocation-guard.js";
export type {
  CodecContractOptions,
  CodecFuzzOptions,
  CodecSample,
} from "./contract/codec-checks.js";
export {
  checkCodecDoesNotMutate,
  checkCodecFuzz,
  checkCodecInvalid,
  checkCodecSamples,
  checkCodecStableBytes,
  decodeUnderGuard,
  encodeToBytes,
} from "./contract/codec-checks.js";
export { ContractViolation } from "./contract/contract-violation.js";
export type { CodecSuiteOptions } from "./contract/describe-codec-contract.js";
export {
  describeCodecContract,
  describeCodecFuzz,
  describeCodecInvalidInput,
  describeCodecRoundTrip,
} from "./contract/describe-codec-contract.js";
export type { FsSinkContractOptions } from "./contract/describe-fs-sink-contract.js";
export {
  describeFsSinkContract,
  describeFsSinkCrashConsistency,
  describeFsSinkFailureCleanup,
  describeFsSinkFaults,
} from "./contract/describe-fs-sink-contract.js";
export type { SinkContractOptions } from "./contract/describe-sink-contract.js";
export {
  describeSinkAtomicity,
  describeSinkBackup,
  describeSinkConcurrency,
  describeSinkContract,
  describeSinkInvalidTargets,
  describeSinkNotFound,
  describeSinkOverwrite,
  describeSinkPayloads,
  describeSinkQuarantine,
  describeSinkRoundTrip,
} from "./contract/describe-sink-contract.js";
export type { WriterScenarioOptions } from "./contract/describe-writer-scenarios.js";
export { describeWriterScenarios } from "./contract/describe-writer-scenarios.js";
export type { FsSinkCheckOptions, FsSinkEnv, FsSinkFactory } from "./contract/fs-sink-checks.js";
export {
  checkCrashAtomicity,
  checkCrashDurability,
  checkFailureCleanup,
  checkFaultMatrix,
  DEFAULT_FAULT_CODES,
  defaultExpectedStage,
  defaultMayRecover,
} from "./contract/fs-sink-checks.js";
export type { FailedWriteCheckOptions, LargePayloadOptions } from "./contract/sink-checks.js";
export {
  checkAbort,
  checkBackup,
  checkConcurrentWrites,
  checkEmptyPayload,
  checkInvalidTargets,
  checkLargePayload,
  checkNotFound,
  checkOverwrite,
  checkQuarantine,
  checkReadDuringWrite,
  checkRoundTrip,
  checkSourceFailure,
  INVALID_TARGETS,
} from "./contract/sink-checks.js";
export {
  checkWriterBurst,
  checkWriterFailingThenRecovering,
  checkWriterFinalSave,
  checkWriterHungSinkAtShutdown,
} from "./contract/writer-scenarios.js";
