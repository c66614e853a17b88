export { concatChunks } from "@snapwrite/core/codec-kit";
export type { ManualClock } from "./checks/manual-clock.js";
export { createManualClock } from "./checks/manual-clock.js";
export type { ControlledHeldLock, ControlledLock } from "./controlled-lock.js";
export { createControlledLock } from "./controlled-lock.js";
export { createCrashableFs } from "./crashable-fs.js";
export type {
  CrashableFs,
  CrashableFsOptions,
  CrashState,
  CrashStatesOptions,
  CrashTraceEntry,
} from "./crashable-fs-types.js";
export type { PathMatcher } from "./fault-rule.js";
export type {
  FaultyFs,
  FsCall,
  FsFault,
  FsFaultPlan,
  FsFaultRule,
  FsOperation,
} from "./faulty-fs.js";
export { createFaultyFs } from "./faulty-fs.js";
export type {
  FaultySink,
  SinkCall,
  SinkFault,
  SinkFaultPlan,
  SinkFaultRule,
  SinkOperation,
} from "./faulty-sink.js";
export { withFaults } from "./faulty-sink.js";
export { canMkfifo, mkfifo } from "./fifo.js";
export { LineChild } from "./line-child.js";
export type { MemoryFs, MemoryFsFiles } from "./memory-fs.js";
export { createMemoryFs } from "./memory-fs.js";
export type { OsError } from "./os-error.js";
export { createOsError, OS_ERRNO } from "./os-error.js";
