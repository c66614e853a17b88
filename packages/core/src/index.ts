export type {
  Clock,
  Codec,
  PersistenceRequest,
  PersistenceSnapshot,
  Sink,
  SinkCapabilities,
  SinkReadOptions,
  SinkWriteOptions,
  SinkWriteResult,
  TargetId,
  Urgency,
  WriteFailed,
  WriteResult,
  WriteResultBase,
  WriteSucceeded,
  WriteTimings,
} from "./contracts.js";
export type { OsErrorDirection, ToPersistenceErrorOptions } from "./os-error.js";
export { osErrorCode, toPersistenceError } from "./os-error.js";
export type {
  PersistenceErrorCode,
  PersistenceErrorOptions,
  WriteStage,
} from "./persistence-error.js";
export {
  isPersistenceError,
  PERSISTENCE_ERROR_CODES,
  PersistenceError,
} from "./persistence-error.js";
export { assertValidTarget } from "./validate-target.js";
export type { FsFileHandle, FsPort, FsStats } from "./fs-port.js";
