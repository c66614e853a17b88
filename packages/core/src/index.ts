export type {
  Executor,
  ExecutorContext,
  ExecutorName,
  SlicedExecutorOptions,
} from "./attempt/executors.js";
export { createInlineExecutor, createSlicedExecutor } from "./attempt/executors.js";
export type {
  TargetRunInput,
  TargetRunner,
  TargetRunnerCloseOptions,
  TargetRunOutcome,
} from "./attempt/target-runner.js";
export { isTargetRunner } from "./attempt/target-runner.js";
export type { WriteAttemptInput, WriteAttemptOutcome } from "./attempt/write-attempt.js";
export { runWriteAttempt } from "./attempt/write-attempt.js";
export type { Clock } from "./contracts/clock.js";
export type { Codec } from "./contracts/codec.js";
export type { Apply, OpBatch, OpsCodec, Seq } from "./contracts/ops-codec.js";
export type {
  Sink,
  SinkCapabilities,
  SinkCloseOptions,
  SinkQuarantineOptions,
  SinkReadOptions,
  SinkWriteOptions,
  SinkWriteResult,
} from "./contracts/sink.js";
export type { TargetId } from "./contracts/target.js";
export type { Urgency } from "./contracts/urgency.js";
export type { AssertValidTargetOptions } from "./contracts/validate-target.js";
export { assertValidTarget } from "./contracts/validate-target.js";
export type {
  WriteFailed,
  WriteResult,
  WriteResultBase,
  WriteSucceeded,
  WriteTimings,
} from "./contracts/write-result.js";
export type { OsErrorDirection, ToPersistenceErrorOptions } from "./errors/os-error.js";
export { osErrorCode, toPersistenceError } from "./errors/os-error.js";
export { isPermanentErrorCode, PERMANENT_ERROR_CODES } from "./errors/permanent-codes.js";
export type {
  PersistenceErrorCode,
  PersistenceErrorJson,
  PersistenceErrorOptions,
  WriteStage,
} from "./errors/persistence-error.js";
export {
  isPersistenceError,
  PERSISTENCE_ERROR_CODES,
  PersistenceError,
} from "./errors/persistence-error.js";
export type { LoadFailure, LoadOptions, LoadResult, LoadSuccess } from "./load/load-target.js";
export { loadTarget } from "./load/load-target.js";
export type {
  LoadTargetSpec,
  LoadTargetsOptions,
  LoadTargetsResults,
} from "./load/load-targets.js";
export { loadTargets } from "./load/load-targets.js";
export type {
  PolicyEntry,
  PolicyOverride,
  PolicySpec,
  ResolvedPolicy,
  ResolvePolicyOptions,
} from "./policy/resolve-policy.js";
export { resolvePolicy } from "./policy/resolve-policy.js";
export type { FsFileHandle, FsPort, FsStats } from "./sink-kit/fs-port.js";
export type { AbortErrorFactory } from "./sink-kit/race-abort.js";
export { raceAbort } from "./sink-kit/race-abort.js";
export type { SerialQueue, SerialRunOptions } from "./sink-kit/serial-queue.js";
export { createSerialQueue } from "./sink-kit/serial-queue.js";
export { systemClock } from "./sink-kit/system-clock.js";
export type { RetryOptions, RetryPolicy } from "./writer/backoff.js";
export { resolveRetryPolicy, retryDelayMs } from "./writer/backoff.js";
export type {
  HealthTotals,
  LastErrorInfo,
  PersistenceHealth,
  TargetHealth,
} from "./writer/health.js";
export type {
  CloseOptions,
  PersistenceWriterOptions,
  RequestOptions,
  RunnerTargetOptions,
  TargetOptions,
} from "./writer/options.js";
export { DEFAULT_WRITE_CONCURRENCY } from "./writer/options.js";
export type { PersistenceWriter } from "./writer/persistence-writer.js";
export { createPersistenceWriter } from "./writer/persistence-writer.js";
export type { PersistenceTicket } from "./writer/scheduler/ticket-batch.js";
export type {
  ShutdownOutcome,
  ShutdownReport,
  TargetShutdownReport,
} from "./writer/shutdown-report.js";
export type { RunnerTargetHandle, TargetHandle } from "./writer/target-handle.js";
export type { TargetState } from "./writer/target-state.js";
export type {
  PersistenceEvent,
  PersistenceEventType,
  PersistenceListener,
} from "./writer/writer-event.js";
