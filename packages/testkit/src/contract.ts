export type {
  AllocationReport,
  CodecContractOptions,
  CodecFuzzOptions,
  CodecSample,
  FailedWriteCheckOptions,
  FsSinkCheckOptions,
  FsSinkEnv,
  FsSinkFactory,
  LargePayloadOptions,
} from "./checks.js";
export {
  ContractViolation,
  checkAbort,
  checkBackup,
  checkCodecChunkHandover,
  checkCodecDoesNotMutate,
  checkCodecEncodeKeepsInput,
  checkCodecFuzz,
  checkCodecInvalid,
  checkCodecSamples,
  checkCodecStableBytes,
  checkConcurrentWrites,
  checkCrashAtomicity,
  checkCrashDurability,
  checkEmptyPayload,
  checkFailureCleanup,
  checkFaultMatrix,
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
  checkWriterBurst,
  checkWriterFailingThenRecovering,
  checkWriterFinalSave,
  checkWriterHungSinkAtShutdown,
  DEFAULT_FAULT_CODES,
  decodeUnderGuard,
  defaultExpectedStage,
  defaultMayRecover,
  encodeToBytes,
  guardAllocations,
  INVALID_TARGETS,
} from "./checks.js";
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
export type {
  AppendLogContractOptions,
  JournalContractOptions,
} from "./contract/describe-journal-contract.js";
export {
  describeAppendLogContract,
  describeJournalContract,
} from "./contract/describe-journal-contract.js";
export type { SinkContractOptions } from "./contract/describe-sink-contract.js";
export {
  describeSinkAtomicity,
  describeSinkBackup,
  describeSinkConcurrency,
  describeSinkContract,
  describeSinkFencing,
  describeSinkInvalidTargets,
  describeSinkNotFound,
  describeSinkOverwrite,
  describeSinkPayloads,
  describeSinkQuarantine,
  describeSinkRoundTrip,
} from "./contract/describe-sink-contract.js";
export type { WriterScenarioOptions } from "./contract/describe-writer-scenarios.js";
export { describeWriterScenarios } from "./contract/describe-writer-scenarios.js";
export { serverForThisFile } from "./postgres/pg-suite.js";
