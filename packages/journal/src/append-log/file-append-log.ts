import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { ensureDir } from "../journal-fs.js";
import { checkAppendLogNameBytes } from "../name-bytes.js";
import { prepareActive } from "./active-file.js";
import type { AppendLog, AppendLogCloseReport, AppendLogResult } from "./append-log-types.js";
import { encodeFailure } from "./log-errors.js";
import { logFailure } from "./log-file-access.js";
import type { PreparedValue } from "./log-format.js";
import { LogState, type Pending } from "./log-state.js";
import { sweepRepairTemps } from "./repair-temps.js";
import { rotateNow } from "./rotation.js";
import { watchSessionLoss } from "./session-lock.js";
import { writeBatch } from "./write-batch.js";

function closedError(): PersistenceError {
  return new PersistenceError("ERR_CLOSED", "append log is closed", { stage: "close" });
}

/**
 * An append log on files: appends queued in this process are written in batches, one after
 * another; sync, rotate and close run after every append queued before them.
 */
export class FileAppendLog extends LogState implements AppendLog {
  private readonly queue: Pending[] = [];
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private timer: unknown;

  async open(): Promise<void> {
    checkAppendLogNameBytes(this.files.active);
    await ensureDir(this.fs, this.files.dir);
    if (this.lockMode === "session") {
      this.session = await this.locker.acquire(this.lockPath);
      watchSessionLoss(this);
    }
    // Repair a torn tail at open, before any append can be glued to it.
    try {
      await this.withLock(async () => {
        await sweepRepairTemps(this);
        return prepareActive(this);
      });
    } catch (error) {
      await this.handle?.close().catch(() => undefined);
      await this.session?.release().catch(() => undefined);
      // A failed repair step (an unlink, a rename) may have thrown the OS error itself.
      throw logFailure(error, { stage: "open", target: this.files.active });
    }
    if (typeof this.durability === "object") this.armTimer(this.durability.intervalMs);
  }

  append(value: unknown): Promise<AppendLogResult> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    // Encoded (jsonl) or copied (framed) now: the caller may change its value once this returns.
    let prepared: PreparedValue;
    try {
      prepared = this.format.prepare(value);
    } catch (cause) {
      return Promise.reject(encodeFailure(cause));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ value: prepared, resolve, reject });
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
        await writeBatch(this, batch, this.queue);
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
    if (this.closing !== undefined) return Promise.reject(closedError());
    return this.serial(async () => {
      // Appends queued before this call go first, even if their pump is not scheduled yet.
      while (this.queue.length > 0) {
        await writeBatch(this, this.queue.splice(0, this.queue.length), this.queue);
      }
      return this.withLock(() => this.rotateLocked());
    });
  }

  private async rotateLocked(): Promise<string | undefined> {
    const active = await prepareActive(this);
    if (active.nextSeq === active.header.firstSeq) return undefined;
    const rotated = this.files.rotated(active.header.firstSeq);
    try {
      await rotateNow(this, active);
    } catch (error) {
      await this.release().catch(() => undefined);
      throw logFailure(error, { stage: "rename", target: this.files.active });
    }
    return rotated;
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
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<AppendLogCloseReport> {
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
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
