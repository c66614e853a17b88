import { onNextTurn } from "../attempt/event-loop-turn.js";
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
  /** No attempt starts any more. */
  private hasExpired = false;
  /** The deadline promise resolved: the close loops stop walking the targets. */
  private hasReached = false;
  private reach!: () => void;
  private readonly timer: LongTimer;
  private readonly sleepers = new Set<LongTimer>();

  /**
   * `onExpire` runs once when no attempt may start any more (to drop the starts still waiting),
   * `onPass` once when the deadline passes (to abort what still runs), after `onExpire`.
   */
  constructor(
    private readonly clock: Clock,
    private readonly onPass: () => void,
    private readonly onExpire: () => void,
  ) {
    this.deadline = new Promise<void>((resolve) => {
      this.reach = resolve;
    });
    this.timer = new LongTimer(clock, () => this.pass());
  }

  /** Starts the countdown of `timeoutMs`. */
  start(timeoutMs: number): void {
    if (timeoutMs > 0) {
      this.timer.arm(timeoutMs);
      return;
    }
    // A zero deadline has passed already: nothing starts any more. But work that finished (a sink
    // whose write promise resolved) still needs its continuations, microtasks, to say so: the
    // running writes are aborted and the targets decided on the next event-loop turn, which all
    // of them precede. Not on the writer's clock: a manual clock may never move.
    this.expire();
    onNextTurn(() => this.pass());
  }

  /** True once no attempt may start any more: the deadline passed, or it is zero. */
  passed(): boolean {
    return this.hasExpired;
  }

  /** True once the deadline passed or {@link end} was called: the close loops stop. */
  reached(): boolean {
    return this.hasReached;
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
    this.hasReached = true;
    this.reach();
  }

  private expire(): void {
    if (this.hasExpired) return;
    this.hasExpired = true;
    this.onExpire();
  }

  private pass(): void {
    // The work finished first (a zero deadline's turn came after end()): nothing is aborted.
    if (this.hasReached) return;
    this.expire();
    this.hasReached = true;
    this.onPass();
    this.reach();
  }
}
