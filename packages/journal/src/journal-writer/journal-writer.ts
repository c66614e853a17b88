import { join } from "node:path";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { appendTooLarge } from "../append-too-large.js";
import { ensureDir } from "../journal-fs.js";
import type {
  Journal,
  JournalAppendOptions,
  JournalAppendResult,
  JournalCloseReport,
  JournalGroupAppendResult,
  JournalState,
} from "../journal-types.js";
import { RECORD_HEADER_BYTES } from "../segment-format.js";
import { watchLockLoss } from "./lock-guard.js";
import { extendWindow } from "./preallocate.js";
import { recover } from "./recover.js";
import { removeSegmentsThrough, rollNow, syncNow } from "./seal-and-roll.js";
import { takeGroup, writeGroup } from "./write-group.js";
import { type Pending, type Task, WriterState } from "./writer-state.js";

/** Largest `codecId`: it is a u16 on disk. */
const MAX_CODEC_ID = 0xffff;

/** The `codecId` of `options` (default 0), or the error refusing it. */
function codecIdOf(options: JournalAppendOptions | undefined, call: string): number | Error {
  const codecId = options?.codecId ?? 0;
  if (typeof codecId !== "number") {
    return new TypeError(`journal.${call}: codecId must be a number (got ${typeof codecId})`);
  }
  if (!Number.isInteger(codecId) || codecId < 0 || codecId > MAX_CODEC_ID) {
    return new RangeError(
      `journal.${call}: codecId must be an integer from 0 to ${MAX_CODEC_ID} (got ${codecId})`,
    );
  }
  return codecId;
}

function closedError(): PersistenceError {
  return new PersistenceError("ERR_CLOSED", "journal is closed", { stage: "close" });
}

/**
 * The single writer of a segment journal: one queue runs appends (in groups) and tasks (sync,
 * roll, segment removal, close) in order.
 */
export class JournalWriter extends WriterState implements Journal {
  private readonly queue: (Pending | Task)[] = [];
  private running = false;
  private timer: unknown;

  get state(): JournalState {
    return {
      lastSeq: this.lastSeq,
      durableSeq: this.durableSeq,
      mode: this.mode,
      file: this.file,
      segmentBytes: this.position,
      preallocateBytes: this.preallocateBytes,
      segments: [...this.segments],
      seals: this.seals,
    };
  }

  async open(): Promise<void> {
    await ensureDir(this.fs, this.dir);
    if (this.options.lock !== undefined) {
      this.lock = await this.options.lock.acquire(join(this.dir, this.name));
    }
    try {
      await recover(this);
    } catch (error) {
      await this.handle?.close().catch(() => undefined);
      await this.lock?.release().catch(() => undefined);
      throw error;
    }
    watchLockLoss(this);
    if (typeof this.durability === "object") this.armTimer();
  }

  append(payload: Uint8Array, options?: JournalAppendOptions): Promise<JournalAppendResult> {
    const refused = this.refuse(payload);
    if (refused !== undefined) return Promise.reject(refused);
    const codecId = codecIdOf(options, "append");
    if (codecId instanceof Error) return Promise.reject(codecId);
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, codecId, resolve, reject });
      this.kick();
    });
  }

  appendGroup(
    payloads: readonly Uint8Array[],
    options?: JournalAppendOptions,
  ): Promise<JournalGroupAppendResult> {
    if (!Array.isArray(payloads) || payloads.length === 0) {
      return Promise.reject(
        new TypeError("journal.appendGroup: payloads must be a non-empty array"),
      );
    }
    let bytes = 0;
    for (const payload of payloads) {
      const refused = this.refuse(payload);
      if (refused !== undefined) return Promise.reject(refused);
      bytes += RECORD_HEADER_BYTES + payload.byteLength;
    }
    const codecId = codecIdOf(options, "appendGroup");
    if (codecId instanceof Error) return Promise.reject(codecId);
    return new Promise((resolve, reject) => {
      this.queue.push({ payloads, bytes, codecId, resolve, reject });
      this.kick();
    });
  }

  /** Why `payload` cannot be appended now, if it cannot. */
  private refuse(payload: Uint8Array): Error | undefined {
    if (!(payload instanceof Uint8Array)) {
      return new TypeError("journal.append: payload must be a Uint8Array");
    }
    if (this.closing !== undefined) return closedError();
    if (this.readOnlyError !== undefined) return this.readOnlyFailure();
    if (payload.byteLength > this.maxRecordBytes) {
      return appendTooLarge(payload.byteLength, this.maxRecordBytes);
    }
    return undefined;
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
        } else if (this.readOnlyError !== undefined) {
          this.queue.shift();
          head.reject(this.readOnlyFailure());
          continue;
        } else {
          await writeGroup(this, takeGroup(this, this.queue));
          if (this.readOnlyError === undefined && this.position >= this.maxSegmentBytes) {
            await rollNow(this).catch(() => undefined);
          }
        }
        // After the acknowledgements: the next group waits for it, no acknowledged one does.
        await extendWindow(this);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  private armTimer(): void {
    const interval = (this.durability as { intervalMs: number }).intervalMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closing !== undefined) return;
      void this.runTask(() => syncNow(this))
        .catch(() => undefined)
        .finally(() => {
          if (this.closing === undefined) this.armTimer();
        });
    }, interval);
    // A forgotten close must not keep the process alive; close itself syncs.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  sync(): Promise<number> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    return this.runTask(async () => {
      await syncNow(this);
      return this.durableSeq;
    });
  }

  roll(): Promise<string> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    return this.runTask(() => rollNow(this));
  }

  removeSegmentsThrough(seq: number): Promise<string[]> {
    // Like every step that changes files: once close() was called, another process may take the
    // directory as soon as it resolves, so nothing more is deleted.
    if (this.closing !== undefined) return Promise.reject(closedError());
    return this.runTask(() => removeSegmentsThrough(this, seq, closedError));
  }

  close(): Promise<JournalCloseReport> {
    this.closing ??= this.runTask(() => this.closeNow());
    return this.closing;
  }

  private async closeNow(): Promise<JournalCloseReport> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
    let error: PersistenceError | undefined;
    try {
      await syncNow(this);
    } catch (e) {
      error = toPersistenceError(e, { stage: "sync", target: this.file });
    }
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await this.lock?.release().catch(() => undefined);
    this.mode = "closed";
    return { ok: error === undefined, lastSeq: this.lastSeq, durableSeq: this.durableSeq, error };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
