import { onNextTurn } from "../attempt/event-loop-turn.js";

/**
 * Paces the starts of write attempts so that starting many at once (thousands of dirty targets at
 * `close()`, a burst of debounce timers, `concurrency: Infinity`) never holds the event loop for
 * long: starts share a slice of `budgetMs` on the writer's clock, which opens with the first start
 * and closes at the next turn of the event loop. Once the slice's time is spent, further starts wait
 * for that turn, where due timers (the close deadline) and I/O callbacks have run first. Each start
 * runs `snapshot()` and the sink's synchronous part, so a slice may overrun by one start. Internal.
 */
export class StartPacer {
  /** Clock time the open slice began at; `undefined` when none is open. */
  private sliceStart: number | undefined = undefined;
  /** Called at the turn that closes a slice whose time ran out, to resume waiting starts. */
  onResume: () => void = () => undefined;
  private spent = false;
  // Bound once so that opening a slice allocates no closure.
  private readonly onTurn = (): void => this.closeSlice();

  constructor(
    private readonly now: () => number,
    private readonly budgetMs: number,
  ) {}

  /** Whether another start fits into the current slice; opens a slice when none is open. */
  mayStart(): boolean {
    const now = this.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      onNextTurn(this.onTurn);
      return true;
    }
    if (now - this.sliceStart < this.budgetMs) return true;
    this.spent = true;
    return false;
  }

  private closeSlice(): void {
    this.sliceStart = undefined;
    if (!this.spent) return;
    this.spent = false;
    this.onResume();
  }
}
