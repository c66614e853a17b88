import type { Clock } from "../contracts/clock.js";
import { LongTimer } from "../sink-kit/long-timer.js";
import type { CloseContext } from "./scheduler/scheduler-host.js";

/**
 * The deadline of one `close()`, on the writer's clock: what every target's close loop waits and
 * sleeps against. `onPass` runs once when it passes (to abort what still runs). Internal.
 */
export class CloseDeadline implements CloseContext {
  /** Resolves when the deadline passes, or when {@link end} is called before that. */
  readonly deadline: Promise<void>;
  private hasPassed = false;
  private reach!: () => void;
  private readonly timer: LongTimer;
  private readonly sleepers = new Set<LongTimer>();

  constructor(
    private readonly clock: Clock,
    private readonly onPass: () => void,
  ) {
    this.deadline = new Promise<void>((resolve) => {
      this.reach = resolve;
    });
    this.timer = new LongTimer(clock, () => this.pass());
  }

  /** Starts the countdown of `timeoutMs`. */
  start(timeoutMs: number): void {
    // A zero deadline has passed already: no timer turn is needed (a manual clock may never move).
    if (timeoutMs <= 0) this.pass();
    else this.timer.arm(timeoutMs);
  }

  passed(): boolean {
    return this.hasPassed;
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper = new LongTimer(this.clock, () => {
        this.sleepers.delete(sleeper);
        resolve();
      });
      this.sleepers.add(sleeper);
      sleeper.arm(ms);
      void this.deadline.then(resolve);
    });
  }

  /**
   * Stops the timer and every sleeper. When the work finished in time, wakes whatever still waits
   * on the deadline without calling `onPass`, so nothing is aborted.
   */
  end(): void {
    this.timer.cancel();
    for (const sleeper of this.sleepers) sleeper.cancel();
    this.sleepers.clear();
    if (!this.hasPassed) this.reach();
  }

  private pass(): void {
    this.hasPassed = true;
    this.onPass();
    this.reach();
  }
}
