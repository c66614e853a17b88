import type { SlotRequest, WriteLimiter } from "../write-limiter.js";

/**
 * A target's wait for one of the writer's write slots, and the promises `close()` waits on until
 * that wait ends (granted or cancelled). Internal.
 */
export class SlotWait {
  private request: SlotRequest | undefined = undefined;
  private waiters: (() => void)[] = [];

  /** `onGranted` is bound once, so queueing allocates no closure; it runs with the slot held. */
  constructor(
    private readonly limiter: WriteLimiter,
    private readonly onGranted: () => void,
  ) {}

  /** Set while the next write waits for a slot. */
  get pending(): boolean {
    return this.request !== undefined;
  }

  /** Queues for a slot. */
  queue(): void {
    this.request = this.limiter.wait(this.onGranted);
  }

  /** Marks the queued request as granted; `onGranted` calls it first. */
  granted(): void {
    this.request = undefined;
  }

  /** Drops a queued request (close deadline) and wakes whoever waits for it. */
  cancel(): void {
    const request = this.request;
    if (request === undefined) return;
    this.request = undefined;
    this.limiter.cancel(request);
    this.wake();
  }

  /** Resolves every {@link settled} promise handed out so far. */
  wake(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once the queued request got its slot (or was cancelled). */
  settled(): Promise<void> {
    if (this.request === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
    });
  }
}
