import type { Clock, FsFileHandle, FsPort, PersistenceError } from "@snapwrite/core";
import { systemClock } from "@snapwrite/core";
import { defaultFs } from "../journal-fs.js";
import { createExclusiveFileLock, type HeldLock, type JournalLock } from "../lock-adapter.js";
import type {
  AppendLogCloseReport,
  AppendLogDurability,
  AppendLogRepair,
  AppendLogResult,
  AppendLogRotation,
  OpenAppendLogOptions,
} from "./append-log-types.js";
import { type LogFiles, logFiles } from "./log-files.js";
import {
  framedFormat,
  jsonlFormat,
  type LogFormat,
  type LogHeader,
  type PreparedValue,
} from "./log-format.js";
import { checkAppendLogDurability, checkMaxRecordBytes, checkRotation } from "./log-options.js";
import { assertSessionHeld } from "./session-lock.js";

/** An append waiting in the log's queue. */
export interface Pending {
  /** The value as `append()` took it (see `LogFormat.prepare`). */
  readonly value: PreparedValue;
  resolve(result: AppendLogResult): void;
  reject(error: unknown): void;
}

/** What the log knows about its active file. */
export interface Active {
  readonly ino: number;
  readonly size: number;
  readonly nextSeq: number;
  readonly header: LogHeader;
}

/**
 * What the parts of an append log share: its checked options, the open active file and what it
 * holds, with the small steps they all use (the lock, releasing the file).
 */
export class LogState {
  readonly fs: FsPort;
  readonly clock: Clock;
  readonly files: LogFiles;
  readonly format: LogFormat;
  readonly lockMode: "append" | "session" | false;
  readonly locker: JournalLock;
  readonly durability: AppendLogDurability;
  readonly rotation: AppendLogRotation;
  readonly maxRecordBytes: number;
  readonly random: () => number;
  handle: FsFileHandle | undefined;
  active: Active | undefined;
  dirty = false;
  session: HeldLock | undefined;
  /** Why the session lock is no longer ours, once it was broken under this log. */
  lockLost: PersistenceError | undefined;
  closing: Promise<AppendLogCloseReport> | undefined;
  appended = 0;
  readonly repairs: AppendLogRepair[] = [];

  constructor(options: OpenAppendLogOptions) {
    this.fs = options.fs ?? defaultFs;
    this.clock = options.clock ?? systemClock;
    this.files = logFiles(options.path);
    // Only a left-out option takes its default: `null` is refused below.
    const format = options.format === undefined ? "jsonl" : options.format;
    if (format !== "jsonl" && format !== "framed") throw new TypeError("openAppendLog: bad format");
    this.format = format === "jsonl" ? jsonlFormat : framedFormat;
    this.lockMode = options.lock === undefined ? "append" : options.lock;
    if (this.lockMode !== "append" && this.lockMode !== "session" && this.lockMode !== false) {
      throw new TypeError('openAppendLog: lock must be "append", "session" or false');
    }
    this.locker = options.locker ?? createExclusiveFileLock({ fs: this.fs });
    this.durability = checkAppendLogDurability(options.durability);
    this.rotation = checkRotation(options.rotate ?? {});
    this.maxRecordBytes = checkMaxRecordBytes(options.maxRecordBytes, "openAppendLog");
    this.random = options.random ?? Math.random;
  }

  /** The path the lock guards: the active log (its lock file is `.<name>.lock` beside it). */
  get lockPath(): string {
    return this.files.path(this.files.active);
  }

  get activePath(): string {
    return this.files.path(this.files.active);
  }

  /** Six base-36 digits (the repair temp file's name relies on the length). */
  tag(): string {
    return Math.min(Math.max(Math.floor(this.random() * 36 ** 6), 0), 36 ** 6 - 1)
      .toString(36)
      .padStart(6, "0");
  }

  /**
   * Runs `work` under the lock when the log locks around every append batch; under a session lock,
   * only once the lock is confirmed still ours (see `assertSessionHeld`). `work` gets the lock it
   * runs under (the per-batch one, or the session's), to confirm it after writing.
   */
  async withLock<V>(work: (held: HeldLock | undefined) => Promise<V>): Promise<V> {
    if (this.lockMode === "session") await assertSessionHeld(this);
    const held = this.lockMode === "append" ? await this.locker.acquire(this.lockPath) : undefined;
    try {
      return await work(held ?? this.session);
    } finally {
      await held?.release().catch(() => undefined);
    }
  }

  /** Closes the active file (syncing it first when dirty) and forgets what it held. */
  async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.active = undefined;
    if (handle === undefined) return;
    if (this.dirty) await handle.datasync().catch(() => undefined);
    this.dirty = false;
    await handle.close().catch(() => undefined);
  }
}
