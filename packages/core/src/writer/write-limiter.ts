/** A queued wait for a write slot; {@link WriteLimiter.cancel} drops it. Internal. */
export interface SlotRequest {
  /** Called with the slot held; `undefined` once granted or cancelled. */
  granted: (() => void) | undefined;
}

/**
 * Bounds how many write attempts of one writer run at once (the writer's `concurrency`). Slots are
 * granted in request order, each in a microtask after a release, never synchronously inside the
 * caller's stack. Whoever holds a slot must {@link release} it exactly once. Internal.
 */
export class WriteLimiter {
  private active = 0;
  private queue: (SlotRequest | undefined)[] = [];
  private head = 0;
  private drainQueued = false;
  // Bound once so that scheduling a drain allocates no closure.
  private readonly onDrain = (): void => this.drain();

  constructor(readonly limit: number) {}

  /** Attempts holding a slot now. */
  get running(): number {
    return this.active;
  }

  /** Takes a slot at once when one is free and nobody is queued before us. */
  tryAcquire(): boolean {
    if (this.active >= this.limit || this.head < this.queue.length) return false;
    this.active++;
    return true;
  }

  /** Queues `granted`, called (with the slot held) when a slot frees up. */
  wait(granted: () => void): SlotRequest {
    const request: SlotRequest = { granted };
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
      const request = queue[this.head];
      queue[this.head++] = undefined;
      const granted = request?.granted;
      if (granted === undefined) continue;
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
