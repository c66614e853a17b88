export type {
  FsSink,
  FsSinkBatchOptions,
  FsSinkLockOptions,
  FsSinkOptions,
  FsSinkRenameRetryOptions,
  FsSinkWriteResult,
} from "./create-fs-sink.js";
export { createFsSink } from "./create-fs-sink.js";
export { isProcessAlive } from "./process-alive.js";
export type { FsSweepReport } from "./sweep-directory.js";
export type {
  WriteFileAtomicData,
  WriteFileAtomicOptions,
  WriteFileAtomicResult,
  WriteJsonAtomicOptions,
} from "./write-file-atomic.js";
export { writeFileAtomic, writeJsonAtomic } from "./write-file-atomic.js";
