// Every sink check, one file per behaviour group; this barrel keeps the old module path.

export {
  checkAbort,
  checkReadDuringWrite,
  checkSourceFailure,
} from "./sink-atomicity-checks.js";
export { checkConcurrentWrites } from "./sink-concurrency-checks.js";
export { checkInvalidTargets, checkNotFound, INVALID_TARGETS } from "./sink-error-checks.js";
export { checkFencing } from "./sink-fencing-checks.js";
export {
  checkEmptyPayload,
  checkLargePayload,
  checkOverwrite,
  checkRoundTrip,
} from "./sink-payload-checks.js";
export { checkBackup, checkQuarantine, checkQuarantineExpected } from "./sink-recovery-checks.js";
export type { FailedWriteCheckOptions, LargePayloadOptions } from "./sink-support.js";
