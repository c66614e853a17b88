import type { Clock } from "../contracts/clock.js";

/**
 * Longest delay Node's timers accept, in ms (2^31 − 1). A longer one overflows: Node warns
 * (`TimeoutOverflowWarning`) and fires it after 1 ms. Internal.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link LongTimer}. Internal. */
export interface LongTimerOptions {
  /**
   * Calls `unref()` on every handle the clock returns that has one, so the timer never keeps the
   * process alive by itself. Default `false`.
   */
  readonly unref?: boolean | undefined;
}

/**
 * One timer on an injected {@link Clock} that may wait longer than {@link MAX_TIMER_MS}: it is armed
 * in steps of at most that size and calls `fn` once the whole delay elapsed. `Infinity` never fires
 * and arms nothing. Reusable: {@link arm} again after it fired or to replace a pending delay. Every
 * timer of core that can be given a caller's delay goes through it. Internal.
 */
export class LongTimer {
  private handle: unknown = undefined;
  private pending = false;
  /** What is left of the delay after the step armed now. */
  private remainingMs = 0;
  // Bound once so that arming allocates no closure.
  private readonly onStep = (): void => this.stepFired();

  constructor(
    private readonly clock: Clock,
    private readonly fn: () => void,
    private readonly options?: LongTimerOptions,
  ) {}

  /** True while a delay is waiting to elapse. */
  get armed(): boolean {
    return this.pending;
  }

  /**
   * Calls `fn` after `delayMs` (`<= 0` and `NaN` mean at the next timer turn), cancelling any delay
   * still pending.
   */
  arm(delayMs: number): void {
    this.cancel();
    if (delayMs === Number.POSITIVE_INFINITY) return;
    this.pending = true;
    this.remainingMs = delayMs > 0 ? delayMs : 0;
    this.armStep();
  }

  /** Cancels the pending delay, if any; idempotent. */
  cancel(): void {
    if (!this.pending) return;
    this.pending = false;
    const handle = this.handle;
    this.handle = undefined;
    this.clock.clearTimeout(handle);
  }

  private armStep(): void {
    const step = Math.min(this.remainingMs, MAX_TIMER_MS);
    // Counted down step by step instead of recomputed from clock.now(): an injected clock whose
    // now() steps (NTP, tests) must not make the delay longer or shorter than asked.
    this.remainingMs -= step;
    const handle = this.clock.setTimeout(this.onStep, step);
    if (this.options?.unref === true) (handle as { unref?: () => void } | null)?.unref?.();
    this.handle = handle;
  }

  private stepFired(): void {
    if (!this.pending) return;
    this.handle = undefined;
    if (this.remainingMs > 0) {
      this.armStep();
      return;
    }
    this.pending = false;
    this.fn();
  }
}
