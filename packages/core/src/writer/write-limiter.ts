import type { StartPacer } from "./start-pacer.js";

/** A queued wait for a write slot; {@link WriteLimiter.cancel} drops it. Internal. */
export interface SlotRequest {
  /** Called with the slot held; `undefined` once granted or cancelled. */
  granted: (() => void) | undefined;
}

/**
 * Bounds how many write attempts of one writer run at once (the writer's `concurrency`), and paces
 * their starts (see {@link StartPacer}). Slots are granted in request order, each in a microtask
 * after a release (or on the next event-loop turn once the pacer's slice is spent), never
 * synchronously inside the caller's stack. Whoever holds a slot must {@link release} it exactly
 * once. Internal.
 */
export class WriteLimiter {
  private active = 0;
  private queue: (SlotRequest | undefined)[] = [];
  private head = 0;
  private drainQueued = false;
  private isStopped = false;
  // Bound once so that scheduling a drain allocates no closure.
  private readonly onDrain = (): void => this.drain();

  constructor(
    readonly limit: number,
    private readonly pacer?: StartPacer,
  ) {
    if (pacer !== undefined) pacer.onResume = () => this.scheduleDrain();
  }

  /** Set once {@link stop} was called: no slot is granted any more. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /**
   * Grants no slot from now on and forgets every queued request at once, without calling it (the
   * close deadline passed: nothing may start). Slots held stay held until released.
   */
  stop(): void {
    this.isStopped = true;
    this.queue = [];
    this.head = 0;
  }

  /** Attempts holding a slot now. */
  get running(): number {
    return this.active;
  }

  /** Takes a slot at once when one is free and nobody is queued before us. */
  tryAcquire(): boolean {
    if (this.isStopped || this.active >= this.limit || this.head < this.queue.length) return false;
    if (this.pacer !== undefined && !this.pacer.mayStart()) return false;
    this.active++;
    return true;
  }

  /** Queues `granted`, called (with the slot held) when a slot frees up. */
  wait(granted: () => void): SlotRequest {
    const request: SlotRequest = { granted };
    if (this.isStopped) return request;
    this.queue.push(request);
    // Cancelled requests may sit in front: make sure someone looks at the queue.
    if (this.active < this.limit) this.scheduleDrain();
    return request;
  }

  /** Drops a queued request; harmless when it was granted already. */
  cancel(request: SlotRequest): void {
    request.granted = undefined;
  }

  /** Returns a slot. */
  release(): void {
    this.active--;
    if (this.head < this.queue.length) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(this.onDrain);
  }

  private drain(): void {
    this.drainQueued = false;
    const queue = this.queue;
    while (this.active < this.limit && this.head < queue.length) {
      // A start granted below may have run into the close deadline (a test clock moved by snapshot).
      if (this.isStopped) return;
      const request = queue[this.head];
      const granted = request?.granted;
      if (granted === undefined) {
        queue[this.head++] = undefined;
        continue;
      }
      // The pacer's slice is spent: the rest waits for the next turn (it calls scheduleDrain).
      if (this.pacer !== undefined && !this.pacer.mayStart()) break;
      queue[this.head++] = undefined;
      (request as SlotRequest).granted = undefined;
      this.active++;
      granted();
    }
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
  }
}
