// `@snapwrite/core/sink-kit`: what an author of a sink needs besides the contracts of the root entry.

export type { ChunkRelease, ReleasableChunks } from "../contracts/chunk-release.js";
export { CHUNK_RELEASE, chunkReleaseOf, withChunkRelease } from "../contracts/chunk-release.js";
export type { AssertValidTargetOptions } from "../contracts/validate-target.js";
export { assertValidTarget } from "../contracts/validate-target.js";
export type { OsErrorDirection, ToPersistenceErrorOptions } from "../errors/os-error.js";
export { osErrorCode, toPersistenceError } from "../errors/os-error.js";
export { optionEntry, resolveOptionValue, resolveOptionValues } from "../policy/option-values.js";
export { assertClock } from "./assert-clock.js";
export { assertFsPort } from "./assert-fs-port.js";
export { assertNonEmptyString } from "./assert-non-empty-string.js";
export type {
  DefinedSink,
  SinkDefinition,
  SinkQuarantineNowOptions,
  SinkReadNowOptions,
} from "./define-sink.js";
export { defineSink } from "./define-sink.js";
export type { FsFileHandle, FsPort, FsStats } from "./fs-port.js";
export { assertKnownNestedOptions, assertKnownOptions } from "./known-options.js";
export type { LongTimerOptions } from "./long-timer.js";
export { LongTimer, MAX_TIMER_MS } from "./long-timer.js";
export type { AbortErrorFactory } from "./race-abort.js";
export { raceAbort } from "./race-abort.js";
export type { SerialQueue, SerialRunOptions } from "./serial-queue.js";
export { createSerialQueue } from "./serial-queue.js";
export { systemClock } from "./system-clock.js";
