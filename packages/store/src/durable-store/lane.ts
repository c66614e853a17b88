import type { Entry, ExternalEntry } from "./entries.js";

// Captured at load, so that test frameworks faking timers later (vitest fakes setImmediate by
// default) do not freeze the lane: this is a yield to other tasks, not a delay.
const realSetImmediate = globalThis.setImmediate;

/** A wait for acknowledged callers to commit again; `wake` ends it (once). */
interface Rejoin {
  /** Entries the queue must hold to end the wait early. */
  readonly entries: number;
  readonly wake: () => void;
}

/** What the lane runs for the entries it does not run itself. */
export interface LaneHandlers<S, Op> {
  /** Runs one external commit (already taken off the queue). */
  readonly external: (entry: ExternalEntry<S, Op>) => Promise<void>;
  /**
   * Forms and writes one group from the queue's head (a commit or a flush request). Resolves with
   * 0 when its callers are not likely to commit again right away (a lone caller nobody waited
   * behind), else with the number of entries the queue holds once they all have: the entries that
   * waited while it was written plus its commands.
   */
  readonly group: () => Promise<number>;
}

/**
 * The store's single lane: entries run one after another in queue order. A group takes the
 * commands waiting at the head itself (`peek` / `take`), so commands issued in one synchronous run
 * share a group.
 */
export class Lane<S, Op> {
  /** Entries in queue order; a taken entry's slot is cleared so that it holds nothing alive. */
  private queue: (Entry<S, Op> | undefined)[] = [];
  private head = 0;
  private running = false;
  private rejoin: Rejoin | undefined;
  handlers!: LaneHandlers<S, Op>;

  /** Entries waiting, including the one running. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The entry at the head, without taking it. */
  peek(): Entry<S, Op> | undefined {
    return this.head < this.queue.length ? (this.queue[this.head] as Entry<S, Op>) : undefined;
  }

  /** Takes the entry at the head off the queue. */
  take(): void {
    this.queue[this.head++] = undefined;
  }

  /** Empties the queue and returns what was waiting. */
  drain(): Entry<S, Op>[] {
    const pending = this.queue.slice(this.head) as Entry<S, Op>[];
    this.queue = [];
    this.head = 0;
    return pending;
  }

  enqueue(entry: Entry<S, Op>): void {
    this.queue.push(entry);
    if (this.rejoin !== undefined && this.queued >= this.rejoin.entries) this.rejoin.wake();
    if (this.running) return;
    this.running = true;
    // A microtask later, so commands issued in one synchronous run share a group.
    queueMicrotask(() => void this.pump());
  }

  /**
   * Runs `work` in the lane and resolves with its result; rejects with the error given to the
   * entry's `abandon` when it is drained before it ran.
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({
        kind: "task",
        run: async () => {
          try {
            resolve(await work());
          } catch (error) {
            reject(error);
          }
        },
        abandon: reject,
      });
    });
  }

  /**
   * Resolves once the queue holds `entries` entries (the commands waiting plus the callers just
   * acknowledged: every caller is back), or else after the tasks queued in this event-loop turn
   * and the next have run: two `setImmediate` hops, so a callback queued after the first hop
   * still runs before the second. Either way the group forms a microtask later, after the
   * synchronous run that issued the last command.
   */
  private waitForCallers(entries: number): Promise<void> {
    if (this.queued >= entries) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const rejoin: Rejoin = {
        entries,
        wake: () => {
          if (this.rejoin !== rejoin) return;
          this.rejoin = undefined;
          resolve();
        },
      };
      this.rejoin = rejoin;
      realSetImmediate(() => realSetImmediate(rejoin.wake));
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.head < this.queue.length) {
        const entry = this.queue[this.head] as Entry<S, Op>;
        if (entry.kind === "task") {
          this.take();
          await entry.run();
        } else if (entry.kind === "external") {
          this.take();
          await this.handlers.external(entry);
        } else {
          // With several callers, those a group just acknowledged usually commit again within a
          // turn: wait for them, so they share the next group with the commands already waiting
          // instead of forming one of their own behind it. A lone caller does not wait.
          const rejoined = await this.handlers.group();
          if (rejoined > 0) await this.waitForCallers(rejoined);
        }
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
    } finally {
      this.running = false;
      if (this.head < this.queue.length) {
        this.running = true;
        queueMicrotask(() => void this.pump());
      }
    }
  }
}
