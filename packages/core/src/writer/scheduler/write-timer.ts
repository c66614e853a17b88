import type { Clock } from "../../contracts/clock.js";
import { LongTimer } from "../../sink-kit/long-timer.js";

/** The intervals {@link WriteTimer} waits by. */
export interface WriteTimerSettings {
  readonly debounceMs: number;
  readonly maxDelayMs: number;
}

/**
 * The one timer of a target: either the debounce / max-delay wait before a write or the backoff
 * wait before a retry. The debounce is lazy: a request only moves {@link lastRequestAt}; when the
 * timer fires, {@link debounceElapsed} checks whether the quiet period really elapsed and re-arms
 * for the rest if not. Internal.
 */
export class WriteTimer {
  /** Clock time of the oldest request no started write covers. */
  firstUncapturedAt = 0;
  /** Clock time of the latest request. */
  lastRequestAt = 0;
  /** Whether the armed (or last fired) wait is a retry backoff rather than a debounce. */
  isRetry = false;
  private readonly timer: LongTimer;

  /** `onFire` runs when either wait ends; it reads {@link isRetry} to tell which. */
  constructor(
    clock: Clock,
    private readonly settings: WriteTimerSettings,
    onFire: () => void,
  ) {
    this.timer = new LongTimer(clock, onFire);
  }

  get armed(): boolean {
    return this.timer.armed;
  }

  cancel(): void {
    this.timer.cancel();
  }

  /** Records a request made at `now`; `first` when no earlier uncaptured request exists. */
  noteRequest(now: number, first: boolean): void {
    if (first) this.firstUncapturedAt = now;
    this.lastRequestAt = now;
  }

  /** Waits `delayMs` before a retry. */
  armRetry(delayMs: number): void {
    this.arm(delayMs, true);
  }

  /**
   * Arms the debounce for what is left of it. Returns `false`, arming nothing, when the write is
   * due already (a long write pushed it back): then no timer turn is needed.
   */
  armDebounce(now: number): boolean {
    const due = this.due();
    if (due <= now) return false;
    // With a monotonic clock due - now never exceeds debounceMs; the bound keeps a clock that
    // stepped backwards from arming one huge timer (debounceElapsed rebases such a clock).
    this.arm(Math.min(due - now, this.settings.debounceMs), false);
    return true;
  }

  /** On a debounce firing: `true` when the write is due at `now`, else re-arms for the rest. */
  debounceElapsed(now: number): boolean {
    if (now < this.lastRequestAt) {
      // The injected clock stepped backwards: rebase on it, so the save is postponed by at most
      // one more quiet period instead of by the size of the step.
      this.lastRequestAt = now;
      if (this.firstUncapturedAt > now) this.firstUncapturedAt = now;
    }
    const due = this.due();
    if (now >= due) return true;
    this.arm(Math.min(due - now, this.settings.debounceMs), false);
    return false;
  }

  private due(): number {
    const { debounceMs, maxDelayMs } = this.settings;
    return Math.min(this.lastRequestAt + debounceMs, this.firstUncapturedAt + maxDelayMs);
  }

  private arm(delayMs: number, isRetry: boolean): void {
    this.isRetry = isRetry;
    this.timer.arm(delayMs);
  }
}
