import { constants } from "node:fs";
import { join } from "node:path";
import type { Clock, FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError, systemClock } from "@snapwrite/core";
import { defaultFs } from "../journal-fs.js";
import type {
  JournalAppendResult,
  JournalCloseReport,
  JournalDurability,
  JournalEvent,
  JournalGroupAppendResult,
  JournalRecovery,
  JournalState,
  OpenJournalOptions,
} from "../journal-types.js";
import { type HeldLock, isLockLost } from "../lock-adapter.js";
import { RECORD_HEADER_BYTES } from "../segment-format.js";
import { resolveWriterSizes } from "./writer-sizes.js";

/** An append waiting in the writer's queue: one record (`append`) or several (`appendGroup`). */
export type Pending = PendingRecord | PendingRecords;

/** One `append`. */
export interface PendingRecord {
  readonly payload: Uint8Array;
  readonly codecId: number;
  resolve(result: JournalAppendResult): void;
  reject(error: unknown): void;
}

/** One `appendGroup`: its records are written together and acknowledged as one. */
export interface PendingRecords {
  readonly payloads: readonly Uint8Array[];
  /** Bytes its records take on disk (headers and payloads). */
  readonly bytes: number;
  readonly codecId: number;
  resolve(result: JournalGroupAppendResult): void;
  reject(error: unknown): void;
}

/** Records of `p`. */
export function recordCount(p: Pending): number {
  return "payloads" in p ? p.payloads.length : 1;
}

/** Bytes `p`'s records take on disk (headers and payloads). */
export function pendingBytes(p: Pending): number {
  return "payloads" in p ? p.bytes : p.payload.byteLength + RECORD_HEADER_BYTES;
}

/** Other work that runs in the writer's queue (sync, roll, removal, close). */
export interface Task {
  readonly task: () => Promise<void>;
}

/** A record written but not synced yet; a sealed segment's successor writes it again. */
export interface Retained {
  readonly seq: number;
  readonly codecId: number;
  readonly payload: Uint8Array;
}

/**
 * What the parts of a journal writer share: its resolved options, the active segment and the
 * sequence and durability counters, with the small steps they all use.
 */
export class WriterState {
  readonly fs: FsPort;
  readonly clock: Clock;
  readonly dir: string;
  readonly name: string;
  readonly durability: JournalDurability;
  readonly maxRecordBytes: number;
  readonly maxSegmentBytes: number;
  readonly maxGroupBytes: number;
  readonly smallFirstBytes: number;
  readonly random: () => number;
  /** `O_DSYNC` when each group's write is also its sync (see `syncWrites`), else 0. */
  readonly syncWriteFlag: number;
  /** Zero-filled space kept ahead of the write position (see `preallocateBytes`); 0: none. */
  readonly preallocateBytes: number;
  /** End of the zero-filled space of the active segment (at least `position` once written past). */
  allocatedEnd = 0;
  /** Whether the active segment is still preallocated; a failed extension stops it until the next segment. */
  preallocating = false;
  handle: FsFileHandle | undefined;
  file = "";
  salt = 0;
  position = 0;
  syncedPosition = 0;
  retained: Retained[] = [];
  lastSeq = 0;
  durableSeq = 0;
  mode: JournalState["mode"] = "ok";
  segments: string[] = [];
  seals = 0;
  lock: HeldLock | undefined;
  closing: Promise<JournalCloseReport> | undefined;
  readOnlyError: PersistenceError | undefined;
  recovery!: JournalRecovery;

  constructor(readonly options: OpenJournalOptions) {
    this.fs = options.fs ?? defaultFs;
    this.clock = options.clock ?? systemClock;
    this.dir = options.dir;
    this.name = options.name;
    this.durability = options.durability ?? "commit";
    const sizes = resolveWriterSizes(options);
    this.maxRecordBytes = sizes.maxRecordBytes;
    this.maxSegmentBytes = sizes.maxSegmentBytes;
    this.maxGroupBytes = sizes.maxGroupBytes;
    this.smallFirstBytes = sizes.smallFirstBytes;
    this.random = options.random ?? Math.random;
    const dsync = constants.O_DSYNC ?? 0;
    this.syncWriteFlag = options.syncWrites === true && this.durability === "commit" ? dsync : 0;
    // Only where every group is synced: then an extension never syncs a group's data, and its
    // failure can hide no error of an acknowledged write.
    this.preallocateBytes = this.durability === "commit" ? sizes.preallocateBytes : 0;
  }

  /**
   * The flags an active segment is opened with: `base` (`"wx"` or `"r+"`), plus `O_DSYNC`;
   * numeric for `"r+"` (the existing segment is opened with `O_NONBLOCK` added).
   */
  segmentFlags(base: "wx"): string | number;
  segmentFlags(base: "r+"): number;
  segmentFlags(base: "wx" | "r+"): string | number {
    if (base === "r+") return constants.O_RDWR | this.syncWriteFlag;
    if (this.syncWriteFlag === 0) return base;
    const { O_WRONLY, O_CREAT, O_EXCL } = constants;
    return O_WRONLY | O_CREAT | O_EXCL | this.syncWriteFlag;
  }

  emit(event: JournalEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's exception must not break the journal.
    }
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  tag(): string {
    return Math.floor(this.random() * 36 ** 6)
      .toString(36)
      .padStart(6, "0");
  }

  /** Enters read-only mode after a failure that could not be sealed. */
  enterReadOnly(error: PersistenceError): void {
    this.readOnlyError = error;
    this.mode = "read-only";
    this.emit({ type: "read-only", error });
  }

  readOnlyFailure(): PersistenceError {
    if (isLockLost(this.readOnlyError)) {
      return new PersistenceError(
        "ERR_LOCKED",
        "journal is read-only: its lock was lost; reopen it",
        {
          stage: "lock",
          target: this.file,
          cause: this.readOnlyError,
          details: { reason: "lost", readOnly: true, committed: false },
        },
      );
    }
    return new PersistenceError(
      "ERR_IO",
      "journal is read-only after a failure it could not seal; reopen it",
      {
        stage: "write",
        target: this.file,
        cause: this.readOnlyError,
        details: { readOnly: true, committed: false },
      },
    );
  }
}
