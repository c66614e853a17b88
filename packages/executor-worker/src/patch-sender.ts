import type { TransferListItem } from "node:worker_threads";
import { PatchBatch, type TakenBatch } from "./patch-batch.js";

/**
 * When the patches waiting on the owner are posted: object patches at the end of the turn, binary
 * patches after `batchDelayMs` or as soon as `batchBytes` wait. `deliver` posts what was taken.
 * Internal.
 */
export class PatchSender {
  private readonly batch = new PatchBatch();
  private flushQueued = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    private readonly batchDelayMs: number,
    private readonly batchBytes: number,
    private readonly deliver: (taken: TakenBatch) => void,
  ) {}

  private readonly onFlush = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  private readonly onFlushTimer = (): void => {
    this.flushTimer = undefined;
    this.flush();
  };

  addObject(patch: unknown, transfer: readonly TransferListItem[] | undefined): void {
    this.batch.addObject(patch, transfer);
    this.flushAtEndOfTurn();
  }

  addBytes(tag: number, bytes: Uint8Array): void {
    this.batch.addBytes(tag, bytes);
    if (this.batch.pendingBytes >= this.batchBytes) {
      this.flush();
    } else if (this.batchDelayMs === 0) {
      this.flushAtEndOfTurn();
    } else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(this.onFlushTimer, this.batchDelayMs);
      this.flushTimer.unref();
    }
  }

  /** Posts what waits now. */
  flush(): void {
    this.cancelTimer();
    const taken = this.batch.take();
    if (taken === undefined) return;
    this.deliver(taken);
  }

  /** Forgets what waits (the replica is lost or closed). */
  drop(): void {
    this.cancelTimer();
    this.batch.clear();
  }

  private flushAtEndOfTurn(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.onFlush);
    }
  }

  private cancelTimer(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }
}
