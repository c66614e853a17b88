export { createFsSink } from "./create-fs-sink.js";
export { fsFailure } from "./fs-failure.js";
export type {
  FsSink,
  FsSinkBatchOptions,
  FsSinkLockOptions,
  FsSinkOptions,
  FsSinkRenameRetryOptions,
  FsSinkWriteResult,
} from "./fs-sink-types.js";
export type { FileLock } from "./lock/lock-file.js";
export { lockFile } from "./lock/lock-file.js";
export type { LockFileOptions } from "./lock/lock-file-options.js";
export { checkLockFileOptions } from "./lock/lock-file-options.js";
export { isProcessAlive } from "./process-alive.js";
export type { RegularFileContext } from "./read/open-regular-file.js";
export { notRegularFile, openRegularFile, readRegularFile } from "./read/open-regular-file.js";
export type { FsSweepReport } from "./sweep/sweep-directory.js";
export type { FsSweepOptions } from "./sweep/sweep-options.js";
export { makeDirectories } from "./write/make-directories.js";
export type {
  WriteFileAtomicData,
  WriteFileAtomicOptions,
  WriteFileAtomicResult,
  WriteJsonAtomicOptions,
} from "./write/write-file-atomic.js";
export { writeFileAtomic, writeJsonAtomic } from "./write/write-file-atomic.js";
