import { join } from "node:path";
import type { Clock, FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError, systemClock, toPersistenceError } from "@snapwrite/core";
import { parseSegmentFileName, quarantineFileName, segmentFileName } from "./file-names.js";
import { defaultFs, fsError, isExists, syncDir, writeNewFile } from "./journal-fs.js";
import type { HeldLock, JournalLock } from "./lock-adapter.js";
import { type RecoveryMode, type ReplayReport, replayJournal } from "./replay-journal.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  encodeRecordHeader,
  encodeSegmentHeader,
  type JournalRecord,
  RECORD_TYPE_DATA,
} from "./segment-format.js";

/**
 * When an append is acknowledged:
 * - `"commit"`: after the group's `fdatasync` (`durable: true`).
 * - `{ intervalMs }`: after the write (`durable: false`); a timer syncs every `intervalMs` and
 *   advances `state.durableSeq`. A sync slower than twice the interval sets `state.mode` to
 *   `"degraded"` and emits an event: the window is reported, never silently widened.
 * - `"os"`: after the write; synced only when a segment is sealed or rolled, on `sync()` and at close.
 */
export type JournalDurability = "commit" | { readonly intervalMs: number } | "os";

/** Group-commit bounds. */
export interface GroupCommitOptions {
  /** Upper bound on one group's bytes. Default 1 MiB. */
  readonly maxBytes?: number | undefined;
  /** When the first record is small, the group stops at its size plus this. Default 128 KiB. */
  readonly smallFirstBytes?: number | undefined;
}

/** Something that happened inside the journal. */
export type JournalEvent =
  | {
      readonly type: "sealed";
      readonly file: string;
      readonly next: string;
      readonly error: PersistenceError;
    }
  | { readonly type: "rolled"; readonly file: string; readonly next: string }
  | { readonly type: "read-only"; readonly error: PersistenceError }
  | { readonly type: "durable"; readonly seq: number }
  | { readonly type: "degraded"; readonly syncMs: number }
  | {
      readonly type: "tail-repaired";
      readonly file: string;
      readonly offset: number;
      readonly bytes: number;
      readonly quarantinedTo: string | undefined;
    };

/** Options of {@link openJournal}. */
export interface OpenJournalOptions {
  /** Directory of the journal; created when missing. */
  readonly dir: string;
  /** Journal name, the prefix of its files. */
  readonly name: string;
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Clock for interval syncs and file times. Default: real time. */
  readonly clock?: Clock | undefined;
  /** When appends are acknowledged. Default `"commit"`. */
  readonly durability?: JournalDurability | undefined;
  /** Damage policy of the replay at open. Default `"tolerate-tail"`. */
  readonly recovery?: RecoveryMode | undefined;
  /** Bound on one record's payload. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /** A segment is rolled once it reaches this size. Default 64 MiB (at most 4 GiB). */
  readonly maxSegmentBytes?: number | undefined;
  /** Group-commit bounds. */
  readonly group?: GroupCommitOptions | undefined;
  /** Replay at open passes records with seq > `afterSeq` (a snapshot's seq) to `onRecord`. */
  readonly afterSeq?: number | undefined;
  /** Receives every replayed record at open, in seq order. */
  readonly onRecord?: ((record: JournalRecord) => void | Promise<void>) | undefined;
  /** Seq of the first record of a journal that has no segment yet. Default `afterSeq + 1`. */
  readonly firstSeq?: number | undefined;
  /** An exclusive lock held from open to close (`.<name>.lock` in `dir`); default none (single writer assumed). */
  readonly lock?: JournalLock | undefined;
  /** Salt and name randomness. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Journal events; listener exceptions are ignored. */
  readonly onEvent?: ((event: JournalEvent) => void) | undefined;
}

/** The acknowledgement of one append. */
export interface JournalAppendResult {
  /** The record's seq. */
  readonly seq: number;
  /** Whether the record was synced before this result (always true under `"commit"`). */
  readonly durable: boolean;
  /** Segment file holding it. */
  readonly file: string;
  /** Offset of its record header in that file. */
  readonly offset: number;
  /** Bytes written for it (header and payload). */
  readonly bytes: number;
}

/** Per-record options of {@link Journal.append}. */
export interface JournalAppendOptions {
  /** A small tag stored with the record (for example which `OpsCodec` encoded it). Default 0. */
  readonly codecId?: number | undefined;
}

/** Live facts about a journal. */
export interface JournalState {
  /** Seq of the last acknowledged record. */
  readonly lastSeq: number;
  /** Seq up to which every record is synced. */
  readonly durableSeq: number;
  /** `"degraded"`: interval syncs run late; `"read-only"`: a failure could not be sealed, appends are refused. */
  readonly mode: "ok" | "degraded" | "read-only" | "closed";
  /** Active segment file name. */
  readonly file: string;
  /** Bytes of the active segment. */
  readonly segmentBytes: number;
  /** Segment files of the chain, oldest first. */
  readonly segments: readonly string[];
  /** Segments sealed after a write or sync error. */
  readonly seals: number;
}

/** What {@link Journal.close} did. Never rejects. */
export interface JournalCloseReport {
  readonly ok: boolean;
  readonly lastSeq: number;
  readonly durableSeq: number;
  readonly error?: PersistenceError | undefined;
}

/** An open segment journal: the single writer of `<dir>/<name>.wal.*`. */
export interface Journal {
  /** What the replay at open found, and how the tail was repaired. */
  readonly recovery: JournalRecovery;
  /** Live state. */
  readonly state: JournalState;
  /**
   * Appends one record. Records appended while a group is being written form the next group:
   * one `writev` and (under `"commit"`) one `fdatasync` per group. Rejects with a
   * `PersistenceError` whose `details.committed` is `false` (the segment was sealed before the
   * record: replay will never return it) or `"unknown"` (sealing failed too; the journal is
   * read-only from then on and refuses appends with `ERR_IO`, `details.readOnly: true`).
   */
  append(payload: Uint8Array, options?: JournalAppendOptions): Promise<JournalAppendResult>;
  /** Syncs everything appended so far; resolves with `durableSeq`. */
  sync(): Promise<number>;
  /** Starts a new segment at `lastSeq + 1` (compaction does this before it writes a snapshot). */
  roll(): Promise<string>;
  /**
   * Deletes the oldest segments whose records all have seq ≤ `seq`, never the active one; returns
   * their names.
   */
  removeSegmentsThrough(seq: number): Promise<string[]>;
  /** Waits for pending appends, syncs, closes the file and releases the lock. */
  close(): Promise<JournalCloseReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Recovery facts of {@link Journal.recovery}. */
export interface JournalRecovery extends ReplayReport {
  /** Where the torn tail's bytes were copied, if there was one. */
  readonly quarantined: readonly string[];
  /** Whether open started a new segment to seal a damaged tail. */
  readonly sealed: boolean;
}

interface Pending {
  readonly payload: Uint8Array;
  readonly codecId: number;
  resolve(result: JournalAppendResult): void;
  reject(error: unknown): void;
}

interface Task {
  readonly task: () => Promise<void>;
}

interface Retained {
  readonly seq: number;
  readonly codecId: number;
  readonly payload: Uint8Array;
}

const MAX_QUARANTINE_BYTES = 1024 * 1024;

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RangeError(`openJournal: ${what} must be a positive integer`);
  return v;
}

/**
 * Opens (or creates) the segment journal `<dir>/<name>.wal.*` for appending: replays it (passing
 * records after `afterSeq` to `onRecord`), repairs a torn or zero-filled tail non-destructively
 * (the bytes are copied to `*.torn-*` and a new segment records the valid length of its
 * predecessor) before the first append, then takes appends with group commit.
 */
export async function openJournal(options: OpenJournalOptions): Promise<Journal> {
  if (typeof options.dir !== "string" || options.dir === "")
    throw new TypeError("openJournal: dir is required");
  if (typeof options.name !== "string" || !/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new TypeError("openJournal: name must be a plain file name");
  }
  const durability = options.durability ?? "commit";
  if (typeof durability === "object")
    positiveInt(durability.intervalMs, 1, "durability.intervalMs");
  else if (durability !== "commit" && durability !== "os")
    throw new TypeError("openJournal: bad durability");
  for (const key of ["afterSeq", "firstSeq"] as const) {
    const value = options[key];
    if (
      value !== undefined &&
      (!Number.isSafeInteger(value) || value < (key === "afterSeq" ? 0 : 1))
    ) {
      throw new RangeError(
        `openJournal: ${key} must be a safe integer ≥ ${key === "afterSeq" ? 0 : 1}`,
      );
    }
  }
  const writer = new JournalWriter(options);
  await writer.open();
  return writer;
}

class JournalWriter implements Journal {
  private readonly fs: FsPort;
  private readonly clock: Clock;
  private readonly dir: string;
  private readonly name: string;
  private readonly durability: JournalDurability;
  private readonly maxRecordBytes: number;
  private readonly maxSegmentBytes: number;
  private readonly maxGroupBytes: number;
  private readonly smallFirstBytes: number;
  private readonly random: () => number;
  private readonly queue: (Pending | Task)[] = [];
  private running = false;
  private handle: FsFileHandle | undefined;
  private file = "";
  private salt = 0;
  private position = 0;
  private syncedPosition = 0;
  private retained: Retained[] = [];
  private lastSeq = 0;
  private durableSeq = 0;
  private mode: JournalState["mode"] = "ok";
  private segments: string[] = [];
  private seals = 0;
  private timer: unknown;
  private lock: HeldLock | undefined;
  private closing: Promise<JournalCloseReport> | undefined;
  private readOnlyError: PersistenceError | undefined;
  recovery!: JournalRecovery;

  constructor(private readonly options: OpenJournalOptions) {
    this.fs = options.fs ?? defaultFs;
    this.clock = options.clock ?? systemClock;
    this.dir = options.dir;
    this.name = options.name;
    this.durability = options.durability ?? "commit";
    this.maxRecordBytes = positiveInt(
      options.maxRecordBytes,
      DEFAULT_MAX_RECORD_BYTES,
      "maxRecordBytes",
    );
    this.maxSegmentBytes = Math.min(
      positiveInt(options.maxSegmentBytes, 64 * 1024 * 1024, "maxSegmentBytes"),
      2 ** 32 - 1,
    );
    this.maxGroupBytes = positiveInt(options.group?.maxBytes, 1024 * 1024, "group.maxBytes");
    this.smallFirstBytes = positiveInt(
      options.group?.smallFirstBytes,
      128 * 1024,
      "group.smallFirstBytes",
    );
    this.random = options.random ?? Math.random;
  }

  get state(): JournalState {
    return {
      lastSeq: this.lastSeq,
      durableSeq: this.durableSeq,
      mode: this.mode,
      file: this.file,
      segmentBytes: this.position,
      segments: [...this.segments],
      seals: this.seals,
    };
  }

  private emit(event: JournalEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's exception must not break the journal.
    }
  }

  private path(file: string): string {
    return join(this.dir, file);
  }

  private tag(): string {
    return Math.floor(this.random() * 36 ** 6)
      .toString(36)
      .padStart(6, "0");
  }

  async open(): Promise<void> {
    try {
      await this.fs.mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw fsError(error, "open", this.dir);
    }
    if (this.options.lock !== undefined) {
      this.lock = await this.options.lock.acquire(join(this.dir, this.name));
    }
    try {
      await this.recover();
    } catch (error) {
      await this.handle?.close().catch(() => undefined);
      await this.lock?.release().catch(() => undefined);
      throw error;
    }
    if (typeof this.durability === "object") this.armTimer();
  }

  private async recover(): Promise<void> {
    const report = await replayJournal({
      dir: this.dir,
      name: this.name,
      fs: this.fs,
      afterSeq: this.options.afterSeq,
      recovery: this.options.recovery,
      maxRecordBytes: this.maxRecordBytes,
      onRecord: this.options.onRecord,
    });
    const end = report.end;
    const quarantined: string[] = [];
    const now = this.clock.now();
    // Segments replay did not use (a torn header, or dropped by point-in-time) are moved aside, never deleted.
    for (const file of end.unused) {
      const aside = quarantineFileName(file, "unused", now, this.tag());
      try {
        await this.fs.rename(this.path(file), this.path(aside));
      } catch (error) {
        throw fsError(error, "rename", file);
      }
      quarantined.push(aside);
    }
    if (end.unused.length > 0) await syncDir(this.fs, this.dir);
    this.segments = end.index < 0 ? [] : (end.files.slice(0, end.index + 1) as string[]);
    let sealed = false;
    if (end.index < 0 || end.header === undefined) {
      const firstSeq = this.options.firstSeq ?? (this.options.afterSeq ?? 0) + 1;
      this.lastSeq = firstSeq - 1;
      this.durableSeq = this.lastSeq;
      await this.startSegment(firstSeq, 0, []);
    } else {
      this.lastSeq = report.lastSeq;
      this.durableSeq = report.lastSeq;
      const file = end.files[end.index] as string;
      if (end.validBytes === end.fileBytes) {
        await this.reuse(file, end.header.salt, end.fileBytes);
      } else {
        const torn = await this.quarantineTail(file, end.validBytes, end.fileBytes);
        if (torn !== undefined) quarantined.push(torn);
        // The valid prefix must be durable before a successor vouches for its length.
        await this.syncFile(file);
        await this.startSegment(report.lastSeq + 1, end.validBytes, []);
        sealed = true;
        this.emit({
          type: "tail-repaired",
          file,
          offset: end.validBytes,
          bytes: end.fileBytes - end.validBytes,
          quarantinedTo: torn,
        });
      }
    }
    this.recovery = { ...report, quarantined, sealed };
  }

  private async syncFile(file: string): Promise<void> {
    let handle: FsFileHandle | undefined;
    try {
      handle = await this.fs.open(this.path(file), "r+");
      await handle.datasync();
    } catch (error) {
      throw fsError(error, "sync", file);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  private async quarantineTail(
    file: string,
    from: number,
    to: number,
  ): Promise<string | undefined> {
    const bytes = await this.fs.readFile(this.path(file));
    const slice = bytes.subarray(from, Math.min(to, from + MAX_QUARANTINE_BYTES));
    const aside = quarantineFileName(file, "torn", this.clock.now(), this.tag());
    await writeNewFile(this.fs, this.dir, this.path(aside), slice);
    return aside;
  }

  private async reuse(file: string, salt: number, size: number): Promise<void> {
    try {
      this.handle = await this.fs.open(this.path(file), "r+");
    } catch (error) {
      throw fsError(error, "open", file);
    }
    this.file = file;
    this.salt = salt;
    this.position = size;
    this.syncedPosition = size;
  }

  /**
   * Creates segment `firstSeq` with `retained` records re-encoded under its salt, syncs it and the
   * directory, and makes it the active one. On failure the new file is removed (durably) so that
   * it can never vouch for a wrong predecessor length; if even that fails, the error says so.
   */
  private async startSegment(
    firstSeq: number,
    prevValidBytes: number,
    retained: readonly Retained[],
  ): Promise<void> {
    let roll = 0;
    let handle: FsFileHandle | undefined;
    let file = "";
    for (;;) {
      file = segmentFileName(this.name, firstSeq, roll);
      try {
        handle = await this.fs.open(this.path(file), "wx", 0o644);
        break;
      } catch (error) {
        if (isExists(error) && roll < 0xffff) {
          roll++;
          continue;
        }
        throw fsError(error, "open", file);
      }
    }
    const salt = Math.floor(this.random() * 2 ** 32) >>> 0;
    const buffers: Uint8Array[] = [
      encodeSegmentHeader({
        salt,
        firstSeq,
        createdAt: Math.max(0, Math.floor(this.clock.now())),
        prevValidBytes,
      }),
    ];
    for (const r of retained) {
      buffers.push(
        encodeRecordHeader(
          salt,
          { seq: r.seq, codecId: r.codecId, type: RECORD_TYPE_DATA },
          r.payload,
        ),
        r.payload,
      );
    }
    const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
    try {
      await writeAllAt(handle, buffers, 0, total);
      await handle.datasync();
      await syncDir(this.fs, this.dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      try {
        await this.fs.unlink(this.path(file));
        await syncDir(this.fs, this.dir);
      } catch (cleanup) {
        throw new PersistenceError("ERR_IO", `cannot start segment ${file} nor remove it`, {
          stage: "write",
          target: file,
          cause: cleanup,
          details: {
            removed: false,
            original: toPersistenceError(error, { stage: "write", target: file }),
          },
        });
      }
      throw fsError(error, "write", file);
    }
    const old = this.handle;
    this.handle = handle;
    this.file = file;
    this.salt = salt;
    this.position = total;
    this.syncedPosition = total;
    this.segments.push(file);
    const last = retained[retained.length - 1];
    this.durableSeq = last === undefined ? firstSeq - 1 : last.seq;
    this.retained = [];
    await old?.close().catch(() => undefined);
  }

  append(payload: Uint8Array, options: JournalAppendOptions = {}): Promise<JournalAppendResult> {
    if (!(payload instanceof Uint8Array)) {
      return Promise.reject(new TypeError("journal.append: payload must be a Uint8Array"));
    }
    if (this.closing !== undefined) {
      return Promise.reject(
        new PersistenceError("ERR_CLOSED", "journal is closed", { stage: "close" }),
      );
    }
    if (this.readOnlyError !== undefined) return Promise.reject(this.readOnlyFailure());
    if (payload.byteLength > this.maxRecordBytes) {
      return Promise.reject(
        new PersistenceError(
          "ERR_ENCODE",
          `record of ${payload.byteLength} bytes exceeds maxRecordBytes ${this.maxRecordBytes}`,
          {
            details: { bytes: payload.byteLength, maxRecordBytes: this.maxRecordBytes },
          },
        ),
      );
    }
    const codecId = options.codecId ?? 0;
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, codecId, resolve, reject });
      this.kick();
    });
  }

  private readOnlyFailure(): PersistenceError {
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

  private runTask<V>(work: () => Promise<V>): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.queue.push({
        task: async () => {
          try {
            resolve(await work());
          } catch (error) {
            reject(error);
          }
        },
      });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // A microtask later, so appends issued in the same synchronous run share one group.
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0] as Pending | Task;
        if ("task" in head) {
          this.queue.shift();
          await head.task();
          continue;
        }
        if (this.readOnlyError !== undefined) {
          this.queue.shift();
          head.reject(this.readOnlyFailure());
          continue;
        }
        await this.writeGroup(this.takeGroup());
        if (this.readOnlyError === undefined && this.position >= this.maxSegmentBytes) {
          await this.rollNow().catch(() => undefined);
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  /** Takes the longest run of appends at the queue's front that fits one group, in one splice. */
  private takeGroup(): Pending[] {
    const queue = this.queue;
    let bytes = 0;
    let cap = this.maxGroupBytes;
    let end = 0;
    while (end < queue.length) {
      const next = queue[end] as Pending | Task;
      if ("task" in next) break;
      const size = next.payload.byteLength + 20;
      if (end === 0)
        cap = Math.min(this.maxGroupBytes, Math.max(size, size + this.smallFirstBytes));
      else if (bytes + size > cap) break;
      bytes += size;
      end++;
    }
    return queue.splice(0, end) as Pending[];
  }

  private async writeGroup(group: Pending[]): Promise<void> {
    const handle = this.handle as FsFileHandle;
    const firstSeq = this.lastSeq + 1;
    const buffers: Uint8Array[] = [];
    const offsets: number[] = [];
    let total = 0;
    group.forEach((p, i) => {
      const header = encodeRecordHeader(
        this.salt,
        { seq: firstSeq + i, codecId: p.codecId },
        p.payload,
      );
      offsets.push(this.position + total);
      buffers.push(header, p.payload);
      total += header.byteLength + p.payload.byteLength;
    });
    try {
      await writeAllAt(handle, buffers, this.position, total);
    } catch (error) {
      await this.fail(group, error, "write");
      return;
    }
    this.position += total;
    const commit = this.durability === "commit";
    if (commit) {
      try {
        await handle.datasync();
      } catch (error) {
        await this.fail(group, error, "sync");
        return;
      }
      this.syncedPosition = this.position;
    } else {
      group.forEach((p, i) => {
        this.retained.push({ seq: firstSeq + i, codecId: p.codecId, payload: p.payload });
      });
    }
    this.lastSeq = firstSeq + group.length - 1;
    if (commit) {
      this.durableSeq = this.lastSeq;
    }
    const file = this.file;
    group.forEach((p, i) => {
      p.resolve({
        seq: firstSeq + i,
        durable: commit,
        file,
        offset: offsets[i] as number,
        bytes: (buffers[2 * i] as Uint8Array).byteLength + p.payload.byteLength,
      });
    });
    if (commit) this.emit({ type: "durable", seq: this.durableSeq });
  }

  /**
   * A write or sync error poisons the descriptor (a retried fsync cannot be trusted): seal the
   * segment at its last synced length by starting a successor that records that length and
   * re-writes the acknowledged but unsynced records, then fail the group definitely.
   */
  private async fail(
    group: readonly Pending[],
    error: unknown,
    stage: "write" | "sync",
  ): Promise<void> {
    const cause = toPersistenceError(error, { stage, target: this.file });
    const sealedOk = await this.seal(cause);
    for (const p of group) {
      p.reject(
        new PersistenceError(cause.code, `journal ${stage} failed: ${cause.message}`, {
          stage,
          target: this.file,
          cause,
          details: sealedOk
            ? { committed: false, sealed: true }
            : { committed: "unknown", readOnly: true },
        }),
      );
    }
  }

  private async seal(cause: PersistenceError): Promise<boolean> {
    const old = this.file;
    const poisoned = this.handle;
    this.handle = undefined;
    await poisoned?.close().catch(() => undefined);
    const retained = this.retained;
    const firstSeq = this.durableSeq + 1;
    try {
      await this.startSegment(firstSeq, this.syncedPosition, retained);
    } catch (error) {
      this.readOnlyError = toPersistenceError(error, { stage: "write", target: old });
      this.mode = "read-only";
      this.emit({ type: "read-only", error: this.readOnlyError });
      return false;
    }
    this.lastSeq =
      retained.length > 0 ? (retained[retained.length - 1] as Retained).seq : firstSeq - 1;
    this.seals++;
    this.emit({ type: "sealed", file: old, next: this.file, error: cause });
    return true;
  }

  private async syncNow(): Promise<void> {
    if (this.readOnlyError !== undefined) throw this.readOnlyFailure();
    if (this.syncedPosition === this.position) return;
    const handle = this.handle as FsFileHandle;
    const started = this.clock.now();
    try {
      await handle.datasync();
    } catch (error) {
      const cause = toPersistenceError(error, { stage: "sync", target: this.file });
      if (!(await this.seal(cause))) throw this.readOnlyFailure();
      return;
    }
    this.syncedPosition = this.position;
    const last = this.retained[this.retained.length - 1];
    if (last !== undefined) this.durableSeq = last.seq;
    this.retained = [];
    this.emit({ type: "durable", seq: this.durableSeq });
    const took = this.clock.now() - started;
    if (typeof this.durability === "object") {
      if (took > 2 * this.durability.intervalMs) {
        if (this.mode === "ok") this.mode = "degraded";
        this.emit({ type: "degraded", syncMs: took });
      } else if (this.mode === "degraded") this.mode = "ok";
    }
  }

  private async rollNow(): Promise<string> {
    await this.syncNow();
    if (this.readOnlyError !== undefined) throw this.readOnlyFailure();
    const old = this.file;
    try {
      await this.startSegment(this.lastSeq + 1, this.position, []);
    } catch (error) {
      const e = toPersistenceError(error, { stage: "write", target: old });
      if (e.details?.removed === false) {
        this.readOnlyError = e;
        this.mode = "read-only";
        this.emit({ type: "read-only", error: e });
      }
      throw e;
    }
    this.emit({ type: "rolled", file: old, next: this.file });
    return this.file;
  }

  private armTimer(): void {
    const interval = (this.durability as { intervalMs: number }).intervalMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closing !== undefined) return;
      void this.runTask(() => this.syncNow())
        .catch(() => undefined)
        .finally(() => {
          if (this.closing === undefined) this.armTimer();
        });
    }, interval);
    // A forgotten close must not keep the process alive; close itself syncs.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  sync(): Promise<number> {
    if (this.closing !== undefined)
      return Promise.reject(
        new PersistenceError("ERR_CLOSED", "journal is closed", { stage: "close" }),
      );
    return this.runTask(async () => {
      await this.syncNow();
      return this.durableSeq;
    });
  }

  roll(): Promise<string> {
    if (this.closing !== undefined)
      return Promise.reject(
        new PersistenceError("ERR_CLOSED", "journal is closed", { stage: "close" }),
      );
    return this.runTask(() => this.rollNow());
  }

  removeSegmentsThrough(seq: number): Promise<string[]> {
    return this.runTask(async () => {
      const removed: string[] = [];
      while (this.segments.length > 1) {
        const next = parseSegmentFileName(this.name, this.segments[1] as string);
        if (next === undefined || next.firstSeq > seq + 1) break;
        const file = this.segments[0] as string;
        try {
          await this.fs.unlink(this.path(file));
        } catch (error) {
          throw fsError(error, "rename", file);
        }
        this.segments.shift();
        removed.push(file);
      }
      if (removed.length > 0) await syncDir(this.fs, this.dir);
      return removed;
    });
  }

  close(): Promise<JournalCloseReport> {
    this.closing ??= this.runTask(async () => {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
      let error: PersistenceError | undefined;
      try {
        await this.syncNow();
      } catch (e) {
        error = toPersistenceError(e, { stage: "sync", target: this.file });
      }
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      await this.lock?.release().catch(() => undefined);
      this.mode = "closed";
      return { ok: error === undefined, lastSeq: this.lastSeq, durableSeq: this.durableSeq, error };
    });
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Writes `buffers` at `position` with one `writev`; a short write is an error (the caller seals). */
async function writeAllAt(
  handle: FsFileHandle,
  buffers: Uint8Array[],
  position: number,
  total: number,
): Promise<void> {
  const { bytesWritten } = await handle.writev(buffers, position);
  if (bytesWritten !== total) {
    throw Object.assign(new Error(`short write: ${bytesWritten} of ${total} bytes`), {
      code: "EIO",
    });
  }
}
