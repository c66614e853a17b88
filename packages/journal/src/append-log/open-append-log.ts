import type { Clock, FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError, systemClock, toPersistenceError } from "@snapwrite/core";
import { quarantineFileName } from "../file-names.js";
import { defaultFs, isExists, isNotFound, listDir, syncDir, writeNewFile } from "../journal-fs.js";
import { createExclusiveFileLock, type HeldLock, type JournalLock } from "../lock-adapter.js";
import { DEFAULT_MAX_RECORD_BYTES } from "../segment-format.js";
import { type LogFiles, logFiles } from "./log-files.js";
import { framedFormat, jsonlFormat, type LogFormat, type LogHeader } from "./log-format.js";

/** Rotation and retention of an append log. */
export interface AppendLogRotation {
  /** Rotate once the active file reaches this size. Default: never by size. */
  readonly maxBytes?: number | undefined;
  /** Rotate once the active file's header is this old. Default: never by age. */
  readonly maxAgeMs?: number | undefined;
  /** Rotated files kept (oldest deleted first). Default: all. */
  readonly keep?: number | undefined;
  /** Bound on the rotated files' total bytes (oldest deleted first). Default: none. */
  readonly maxTotalBytes?: number | undefined;
}

/**
 * When an append is acknowledged: `"append"` after its `fdatasync`; `{ intervalMs }` after the
 * write, synced by a timer; `"os"` after the write, synced at rotation and close.
 */
export type AppendLogDurability = "append" | { readonly intervalMs: number } | "os";

/** Options of {@link openAppendLog}. */
export interface OpenAppendLogOptions {
  /** Active file, e.g. `logs/chat.jsonl`; rotated files are `chat.<firstSeq, 16 hex>.jsonl` beside it. */
  readonly path: string;
  /** `"jsonl"` (values are JSON; one line each) or `"framed"` (values are `Uint8Array`; CRC32C-framed). Default `"jsonl"`. */
  readonly format?: "jsonl" | "framed" | undefined;
  /**
   * `"append"` (default): take the lock file `.<name>.lock` beside the log (sink-fs `lockFile`) around every append batch, for many short-lived
   * writers; `"session"`: hold it from open to close; `false`: no lock (one writer only).
   */
  readonly lock?: "append" | "session" | false | undefined;
  readonly rotate?: AppendLogRotation | undefined;
  /** Default `"append"`. */
  readonly durability?: AppendLogDurability | undefined;
  readonly fs?: FsPort | undefined;
  readonly clock?: Clock | undefined;
  /** The lock implementation. Default: an exclusive lock file on `fs`. */
  readonly locker?: JournalLock | undefined;
  /** Bound on one record. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  readonly random?: (() => number) | undefined;
}

/** The acknowledgement of one append. */
export interface AppendLogResult {
  /** Seq of the record: continuous across files and across every process appending. */
  readonly seq: number;
  /** File it went to (the active file's name at that time). */
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  readonly durable: boolean;
}

/** A torn or failed tail the log cut off before appending. */
export interface AppendLogRepair {
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  /** Where the cut bytes were copied. */
  readonly quarantinedTo: string;
}

/** What {@link AppendLog.close} did; never rejects. */
export interface AppendLogCloseReport {
  readonly ok: boolean;
  readonly appended: number;
  readonly error?: PersistenceError | undefined;
}

/** An open append log. */
export interface AppendLog {
  /**
   * Appends one value; appends queued meanwhile in this process share one lock, one write and
   * one sync. Rejects with a `PersistenceError` (stage `lock`, `open`, `write` or `sync`); a value
   * the format cannot encode rejects with `ERR_ENCODE` and writes nothing.
   */
  append(value: unknown): Promise<AppendLogResult>;
  /** Syncs what this process appended. */
  sync(): Promise<void>;
  /**
   * Rotates now, under the lock, after the appends queued before it: the active file (when it
   * holds records) is synced and renamed to its rotated name, retention applies, and the next
   * append starts a new active file with the next seq. Resolves with the rotated file's name, or
   * `undefined` when the active file held no record.
   */
  rotate(): Promise<string | undefined>;
  /** Torn tails cut so far. */
  readonly repairs: readonly AppendLogRepair[];
  /** Waits for queued appends, syncs, closes the file and releases a session lock. */
  close(): Promise<AppendLogCloseReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pending {
  readonly value: unknown;
  resolve(result: AppendLogResult): void;
  reject(error: unknown): void;
}

interface Active {
  readonly ino: number;
  readonly size: number;
  readonly nextSeq: number;
  readonly header: LogHeader;
}

const MAX_BATCH_RECORDS = 4096;
const MAX_QUARANTINE_BYTES = 1024 * 1024;
const TAIL_WINDOW = 64 * 1024;

/** Reads `length` bytes at `position` (fewer at end of file). */
async function readAt(handle: FsFileHandle, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await handle.read(out, at, length - at, position + at);
    if (bytesRead <= 0) break;
    at += bytesRead;
  }
  return out.subarray(0, at);
}

/** Opens an append log (see the package README for the rules it keeps). */
export async function openAppendLog(options: OpenAppendLogOptions): Promise<AppendLog> {
  if (typeof options.path !== "string" || options.path === "") {
    throw new TypeError("openAppendLog: path is required");
  }
  const log = new FileAppendLog(options);
  await log.open();
  return log;
}

function checkPositive(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`openAppendLog: ${what} must be a positive number`);
  }
}

class FileAppendLog implements AppendLog {
  private readonly fs: FsPort;
  private readonly clock: Clock;
  private readonly files: LogFiles;
  private readonly format: LogFormat;
  private readonly lockMode: "append" | "session" | false;
  private readonly locker: JournalLock;
  private readonly durability: AppendLogDurability;
  private readonly rotation: AppendLogRotation;
  private readonly maxRecordBytes: number;
  private readonly random: () => number;
  private readonly queue: Pending[] = [];
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private handle: FsFileHandle | undefined;
  private active: Active | undefined;
  private dirty = false;
  private session: HeldLock | undefined;
  private timer: unknown;
  private closing: Promise<AppendLogCloseReport> | undefined;
  private appended = 0;
  readonly repairs: AppendLogRepair[] = [];

  constructor(options: OpenAppendLogOptions) {
    this.fs = options.fs ?? defaultFs;
    this.clock = options.clock ?? systemClock;
    this.files = logFiles(options.path);
    const format = options.format ?? "jsonl";
    if (format !== "jsonl" && format !== "framed") throw new TypeError("openAppendLog: bad format");
    this.format = format === "jsonl" ? jsonlFormat : framedFormat;
    this.lockMode = options.lock ?? "append";
    if (this.lockMode !== "append" && this.lockMode !== "session" && this.lockMode !== false) {
      throw new TypeError('openAppendLog: lock must be "append", "session" or false');
    }
    this.locker = options.locker ?? createExclusiveFileLock({ fs: this.fs });
    this.durability = options.durability ?? "append";
    if (typeof this.durability === "object")
      checkPositive(this.durability.intervalMs, "durability.intervalMs");
    else if (this.durability !== "append" && this.durability !== "os")
      throw new TypeError("openAppendLog: bad durability");
    this.rotation = options.rotate ?? {};
    checkPositive(this.rotation.maxBytes, "rotate.maxBytes");
    checkPositive(this.rotation.maxAgeMs, "rotate.maxAgeMs");
    checkPositive(this.rotation.keep, "rotate.keep");
    checkPositive(this.rotation.maxTotalBytes, "rotate.maxTotalBytes");
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.random = options.random ?? Math.random;
  }

  /** The path the lock guards: the active log (its lock file is `.<name>.lock` beside it). */
  private get lockPath(): string {
    return this.files.path(this.files.active);
  }

  private get activePath(): string {
    return this.files.path(this.files.active);
  }

  private tag(): string {
    return Math.floor(this.random() * 36 ** 6)
      .toString(36)
      .padStart(6, "0");
  }

  async open(): Promise<void> {
    try {
      await this.fs.mkdir(this.files.dir, { recursive: true });
    } catch (error) {
      throw toPersistenceError(error, { stage: "open", target: this.files.dir });
    }
    if (this.lockMode === "session") this.session = await this.locker.acquire(this.lockPath);
    // Repair a torn tail at open, before any append can be glued to it.
    try {
      await this.withLock(() => this.prepare());
    } catch (error) {
      await this.handle?.close().catch(() => undefined);
      await this.session?.release().catch(() => undefined);
      throw error;
    }
    if (typeof this.durability === "object") this.armTimer(this.durability.intervalMs);
  }

  private async withLock<V>(work: () => Promise<V>): Promise<V> {
    const held = this.lockMode === "append" ? await this.locker.acquire(this.lockPath) : undefined;
    try {
      return await work();
    } finally {
      await held?.release().catch(() => undefined);
    }
  }

  append(value: unknown): Promise<AppendLogResult> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new PersistenceError("ERR_CLOSED", "append log is closed", { stage: "close" }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ value, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    queueMicrotask(() => {
      this.chain = this.chain.then(() => this.pump());
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        await this.writeBatch(batch);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  /** Runs `work` after every queued append (used by sync, close and the interval timer). */
  private serial<V>(work: () => Promise<V>): Promise<V> {
    const run = this.chain.then(work);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private encodeBatch(batch: Pending[], firstSeq: number) {
    const buffers: Uint8Array[] = [];
    const accepted: { pending: Pending; seq: number; offset: number; bytes: number }[] = [];
    let total = 0;
    for (const pending of batch) {
      let parts: Uint8Array[];
      const seq = firstSeq + accepted.length;
      try {
        parts = this.format.encode(seq, pending.value, this.active?.header.salt ?? 0);
      } catch (cause) {
        pending.reject(
          new PersistenceError("ERR_ENCODE", "value cannot be encoded for this log", {
            stage: "encode",
            cause,
          }),
        );
        continue;
      }
      const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
      if (bytes > this.maxRecordBytes) {
        pending.reject(
          new PersistenceError("ERR_ENCODE", `record of ${bytes} bytes exceeds maxRecordBytes`, {
            stage: "encode",
          }),
        );
        continue;
      }
      accepted.push({ pending, seq, offset: total, bytes });
      buffers.push(...parts);
      total += bytes;
    }
    return { buffers, accepted, total };
  }

  private async writeBatch(all: Pending[]): Promise<void> {
    // Bound one write: the rest of the batch goes into the next round.
    const batch = all.slice(0, MAX_BATCH_RECORDS);
    if (all.length > MAX_BATCH_RECORDS) this.queue.unshift(...all.slice(MAX_BATCH_RECORDS));
    try {
      await this.withLock(async () => {
        let active = await this.prepare();
        if (this.rotationDue(active)) active = await this.rotateNow(active);
        const { buffers, accepted, total } = this.encodeBatch(batch, active.nextSeq);
        if (accepted.length === 0) return;
        const handle = this.handle as FsFileHandle;
        const at = active.size;
        let stage: "write" | "sync" = "write";
        try {
          const { bytesWritten } = await handle.writev(buffers, at);
          if (bytesWritten !== total)
            throw Object.assign(new Error(`short write: ${bytesWritten} of ${total}`), {
              code: "EIO",
            });
          this.dirty = true;
          if (this.durability === "append") {
            stage = "sync";
            await handle.datasync();
            this.dirty = false;
          }
        } catch (error) {
          const failure = toPersistenceError(error, { stage, target: this.files.active });
          const undone = await this.undo(at);
          for (const a of accepted) {
            a.pending.reject(
              new PersistenceError(failure.code, `append failed: ${failure.message}`, {
                stage,
                target: this.files.active,
                cause: failure,
                details: { committed: undone ? false : "unknown" },
              }),
            );
          }
          return;
        }
        this.active = { ...active, size: at + total, nextSeq: active.nextSeq + accepted.length };
        this.appended += accepted.length;
        const durable = this.durability === "append";
        for (const a of accepted) {
          a.pending.resolve({
            seq: a.seq,
            file: this.files.active,
            offset: at + a.offset,
            bytes: a.bytes,
            durable,
          });
        }
      });
    } catch (error) {
      const failure = toPersistenceError(error, { stage: "lock", target: this.files.active });
      for (const p of batch) p.reject(failure);
    }
  }

  /**
   * After a failed write or sync: cut the file back to `size` through a fresh, synced copy, so
   * the failed records can never reappear (the failed descriptor is never synced again).
   */
  private async undo(size: number): Promise<boolean> {
    const handle = this.handle;
    this.handle = undefined;
    this.active = undefined;
    await handle?.close().catch(() => undefined);
    try {
      await this.rewritePrefix(size, "failed");
      return true;
    } catch {
      return false;
    }
  }

  private rotationDue(active: Active): boolean {
    if (active.nextSeq === active.header.firstSeq) return false;
    if (this.rotation.maxBytes !== undefined && active.size >= this.rotation.maxBytes) return true;
    return (
      this.rotation.maxAgeMs !== undefined &&
      this.clock.now() - active.header.createdAt >= this.rotation.maxAgeMs
    );
  }

  /** Makes sure the active file exists, is the one `path` names, and ends cleanly; returns its facts. */
  private async prepare(): Promise<Active> {
    let ino: number;
    try {
      ino = (await this.fs.stat(this.activePath)).ino;
    } catch (error) {
      if (!isNotFound(error))
        throw toPersistenceError(error, { stage: "open", target: this.files.active });
      return this.createActive(await this.seqAfterRotated());
    }
    if (this.handle === undefined || this.active?.ino !== ino) {
      await this.release();
      try {
        this.handle = await this.fs.open(this.activePath, "r+");
      } catch (error) {
        if (isNotFound(error)) return this.prepare();
        throw toPersistenceError(error, { stage: "open", target: this.files.active });
      }
      this.active = undefined;
    }
    const handle = this.handle as FsFileHandle;
    const stats = await handle.stat();
    if (stats.ino !== ino) {
      await this.release();
      return this.prepare();
    }
    if (this.active !== undefined && this.active.size === stats.size) return this.active;
    return this.scanActive(ino, stats.size);
  }

  private async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.active = undefined;
    if (handle === undefined) return;
    if (this.dirty) await handle.datasync().catch(() => undefined);
    this.dirty = false;
    await handle.close().catch(() => undefined);
  }

  /**
   * Reads the active file's header and tail; cuts a torn or unparsable last stretch. A jsonl log
   * is read from a window at its end (grown until it holds a whole record), so a writer that
   * finds another process appended meanwhile does not re-read the whole file.
   */
  private async scanActive(ino: number, size: number): Promise<Active> {
    const handle = this.handle as FsFileHandle;
    let header: LogHeader;
    try {
      header = this.format.parseHeader(await readAt(handle, 0, Math.min(size, TAIL_WINDOW)));
    } catch {
      const whole = await this.fs.readFile(this.activePath);
      try {
        header = this.format.parseHeader(whole);
      } catch {
        // No complete header: the file was being created when its writer died. Move it aside.
        await this.quarantineWhole(whole);
        return this.createActive(await this.seqAfterRotated());
      }
    }
    let window = this.format.name === "jsonl" ? TAIL_WINDOW : Number.POSITIVE_INFINITY;
    for (;;) {
      const start = Math.max(header.bytes, size - window);
      const bytes = await readAt(handle, start, size - start);
      let from = 0;
      if (start > header.bytes) {
        const nl = bytes.indexOf(0x0a);
        if (nl < 0) {
          window *= 4;
          continue;
        }
        from = nl + 1;
      }
      let lastSeq: number | undefined;
      let goodEnd = start + from;
      let badFrom: number | undefined;
      for (const entry of this.format.entries(bytes, from, header, this.maxRecordBytes)) {
        if (entry.kind === "record") {
          lastSeq = entry.seq;
          goodEnd = start + entry.end;
          badFrom = undefined;
        } else {
          badFrom ??= start + entry.offset;
        }
      }
      if (lastSeq === undefined && start > header.bytes) {
        window *= 4;
        continue;
      }
      if (badFrom !== undefined && badFrom >= goodEnd) {
        await this.rewritePrefix(goodEnd, "torn");
        return this.prepare();
      }
      const active: Active = { ino, size, nextSeq: (lastSeq ?? header.firstSeq - 1) + 1, header };
      this.active = active;
      return active;
    }
  }

  private async quarantineWhole(bytes: Uint8Array): Promise<void> {
    const aside = quarantineFileName(this.files.active, "torn", this.clock.now(), this.tag());
    await this.release();
    await this.fs.rename(this.activePath, this.files.path(aside));
    await syncDir(this.fs, this.files.dir);
    this.repairs.push({
      file: this.files.active,
      offset: 0,
      bytes: bytes.byteLength,
      quarantinedTo: aside,
    });
  }

  /**
   * Replaces the active file by its first `keep` bytes: the cut bytes are copied to
   * `<file>.<kind>-<time>-<tag>`, the prefix goes to a fresh synced file renamed over the active one.
   */
  private async rewritePrefix(
    keep: number,
    kind: "torn" | "failed",
    known?: Uint8Array,
  ): Promise<void> {
    const bytes = known ?? (await this.fs.readFile(this.activePath));
    await this.release();
    if (bytes.byteLength > keep) {
      const aside = quarantineFileName(this.files.active, kind, this.clock.now(), this.tag());
      const cut = bytes.subarray(keep, Math.min(bytes.byteLength, keep + MAX_QUARANTINE_BYTES));
      await writeNewFile(this.fs, this.files.dir, this.files.path(aside), cut);
      this.repairs.push({
        file: this.files.active,
        offset: keep,
        bytes: bytes.byteLength - keep,
        quarantinedTo: aside,
      });
    }
    const temp = this.files.path(`.${this.files.active}.${process.pid}-${this.tag()}.tmp`);
    await writeNewFile(this.fs, this.files.dir, temp, bytes.subarray(0, keep));
    await this.fs.rename(temp, this.activePath);
    await syncDir(this.fs, this.files.dir);
  }

  private async createActive(firstSeq: number): Promise<Active> {
    await this.release();
    let handle: FsFileHandle;
    try {
      handle = await this.fs.open(this.activePath, "wx+", 0o644);
    } catch (error) {
      if (isExists(error)) return this.prepare();
      throw toPersistenceError(error, { stage: "open", target: this.files.active });
    }
    const salt = Math.floor(this.random() * 2 ** 32) >>> 0;
    const headerBytes = this.format.header(firstSeq, Math.floor(this.clock.now()), salt);
    try {
      await handle.writev([headerBytes], 0);
      await handle.datasync();
      await syncDir(this.fs, this.files.dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw toPersistenceError(error, { stage: "write", target: this.files.active });
    }
    const stats = await handle.stat();
    this.handle = handle;
    const header = this.format.parseHeader(headerBytes);
    this.active = { ino: stats.ino, size: headerBytes.byteLength, nextSeq: firstSeq, header };
    return this.active;
  }

  private async rotatedFiles(): Promise<{ file: string; firstSeq: number }[]> {
    const out: { file: string; firstSeq: number }[] = [];
    for (const file of await listDir(this.fs, this.files.dir)) {
      const firstSeq = this.files.parseRotated(file);
      if (firstSeq !== undefined) out.push({ file, firstSeq });
    }
    return out.sort((a, b) => a.firstSeq - b.firstSeq);
  }

  /** The seq after the newest rotated file's last record (1 when there is none). */
  private async seqAfterRotated(): Promise<number> {
    const newest = (await this.rotatedFiles()).at(-1);
    if (newest === undefined) return 1;
    const bytes = await this.fs.readFile(this.files.path(newest.file));
    let next = newest.firstSeq;
    try {
      const header = this.format.parseHeader(bytes);
      for (const entry of this.format.entries(bytes, header.bytes, header, this.maxRecordBytes)) {
        if (entry.kind === "record") next = entry.seq + 1;
      }
    } catch {
      // A rotated file with a damaged header still starts at the seq in its name.
    }
    return next;
  }

  private async rotateNow(active: Active): Promise<Active> {
    const handle = this.handle as FsFileHandle;
    await handle.datasync();
    this.dirty = false;
    const rotated = this.files.rotated(active.header.firstSeq);
    await this.release();
    await this.fs.rename(this.activePath, this.files.path(rotated));
    // The rename must be durable before a new file takes the active name, or a power loss could
    // keep the new (empty) file under that name and lose the old one's entry.
    await syncDir(this.fs, this.files.dir);
    const next = await this.createActive(active.nextSeq);
    await this.retain();
    return next;
  }

  private async retain(): Promise<void> {
    const { keep, maxTotalBytes } = this.rotation;
    if (keep === undefined && maxTotalBytes === undefined) return;
    const rotated = await this.rotatedFiles();
    const sizes = await Promise.all(
      rotated.map(async (r) => (await this.fs.stat(this.files.path(r.file))).size),
    );
    let total = sizes.reduce((a, b) => a + b, 0);
    let removed = false;
    for (let i = 0; i < rotated.length; i++) {
      const left = rotated.length - i;
      if (
        left <= (keep ?? Number.POSITIVE_INFINITY) &&
        total <= (maxTotalBytes ?? Number.POSITIVE_INFINITY)
      )
        break;
      await this.fs
        .unlink(this.files.path((rotated[i] as { file: string }).file))
        .catch(() => undefined);
      total -= sizes[i] as number;
      removed = true;
    }
    if (removed) await syncDir(this.fs, this.files.dir);
  }

  private armTimer(intervalMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closing !== undefined) return;
      void this.sync()
        .catch(() => undefined)
        .finally(() => {
          if (this.closing === undefined) this.armTimer(intervalMs);
        });
    }, intervalMs);
    // A forgotten close must not keep the process alive; close itself syncs.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  rotate(): Promise<string | undefined> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new PersistenceError("ERR_CLOSED", "append log is closed", { stage: "close" }),
      );
    }
    return this.serial(async () => {
      // Appends queued before this call go first, even if their pump is not scheduled yet.
      while (this.queue.length > 0) await this.writeBatch(this.queue.splice(0, this.queue.length));
      return this.withLock(async () => {
        const active = await this.prepare();
        if (active.nextSeq === active.header.firstSeq) return undefined;
        const rotated = this.files.rotated(active.header.firstSeq);
        try {
          await this.rotateNow(active);
        } catch (error) {
          await this.release().catch(() => undefined);
          throw toPersistenceError(error, { stage: "rename", target: this.files.active });
        }
        return rotated;
      });
    });
  }

  sync(): Promise<void> {
    return this.serial(async () => {
      if (!this.dirty || this.handle === undefined) return;
      try {
        await this.handle.datasync();
        this.dirty = false;
      } catch (error) {
        // The descriptor is poisoned: drop it; the next append re-reads and repairs the tail.
        await this.release().catch(() => undefined);
        throw toPersistenceError(error, { stage: "sync", target: this.files.active });
      }
    });
  }

  close(): Promise<AppendLogCloseReport> {
    this.closing ??= (async () => {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      do {
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        await this.chain;
      } while (this.running || this.queue.length > 0);
      let error: PersistenceError | undefined;
      try {
        await this.sync();
      } catch (e) {
        error = toPersistenceError(e, { stage: "sync", target: this.files.active });
      }
      await this.release();
      await this.session?.release().catch(() => undefined);
      return { ok: error === undefined, appended: this.appended, error };
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
