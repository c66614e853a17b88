export type {
  AppendLog,
  AppendLogCloseReport,
  AppendLogDurability,
  AppendLogRepair,
  AppendLogResult,
  AppendLogRotation,
  OpenAppendLogOptions,
} from "./append-log/append-log-types.js";
export { openAppendLog } from "./append-log/open-append-log.js";
export type {
  AppendLogProblem,
  AppendLogRecord,
  ReadAppendLogOptions,
} from "./append-log/read-append-log.js";
export { readAppendLog } from "./append-log/read-append-log.js";
export type {
  CompactionPolicy,
  CompactionReport,
  CompactionStats,
  CompactJournalOptions,
} from "./compaction.js";
export { compactionDue, compactJournal } from "./compaction.js";
export type { CorruptReason } from "./corrupt.js";
export { crc32c, crc32cImplementation, crc32cPortable } from "./crc32c.js";
export {
  parseSegmentFileName,
  parseSnapshotFileName,
  segmentFileName,
  snapshotFileName,
} from "./file-names.js";
export type { FollowResult, JournalFollower } from "./follower.js";
export { createJournalFollower } from "./follower.js";
export { MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES, MIN_SMALL_FIRST_BYTES } from "./journal-bounds.js";
export { assertJournalName, RESERVED_NAME_PARTS } from "./journal-name.js";
export type {
  GroupCommitOptions,
  Journal,
  JournalAppendOptions,
  JournalAppendResult,
  JournalCloseReport,
  JournalDurability,
  JournalEvent,
  JournalFollowerOptions,
  JournalGroupAppendResult,
  JournalRecovery,
  JournalState,
  OpenJournalOptions,
} from "./journal-types.js";
export type {
  ExclusiveFileLockOptions,
  HeldLock,
  JournalLock,
} from "./lock-adapter.js";
export { createExclusiveFileLock, isLockLost, STEP_LOCK_CHECK } from "./lock-adapter.js";
export {
  checkJournalNameBytes,
  MAX_APPEND_LOG_NAME_BYTES,
  MAX_FILE_NAME_BYTES,
  MAX_JOURNAL_NAME_BYTES,
} from "./name-bytes.js";
export { openJournal } from "./open-journal.js";
export type {
  JournalEnd,
  RecoveryMode,
  ReplayDamage,
  ReplayJournalOptions,
  ReplayReport,
} from "./replay-journal.js";
export { listSegments, replayJournal } from "./replay-journal.js";
export type { JournalRecord, RecordFields, SegmentHeader } from "./segment-format.js";
export {
  DEFAULT_MAX_RECORD_BYTES,
  decodeSegmentHeader,
  encodeRecordHeader,
  encodeSegmentHeader,
  RECORD_FLAG_GROUP_END,
  RECORD_FLAG_PREALLOCATED,
  RECORD_GROUP_INDEX_MAX,
  RECORD_GROUP_INDEX_SHIFT,
  RECORD_HEADER_BYTES,
  SEGMENT_FLAG_PREV_COMPLETE,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
} from "./segment-format.js";
export type { ScanProblem, ScanStart, SegmentScan } from "./segment-scan.js";
export { scanSegment } from "./segment-scan.js";
export type { LoadedSnapshot, SnapshotStore, SnapshotStoreOptions } from "./snapshot-store.js";
export { createSnapshotStore } from "./snapshot-store.js";
export type { SupersededSegment } from "./superseded.js";
