import type { Entry, ExternalEntry } from "./entries.js";

/** What the lane runs for the entries it does not run itself. */
export interface LaneHandlers<S, Op> {
  /** Runs one external commit (already taken off the queue). */
  readonly external: (entry: ExternalEntry<S, Op>) => Promise<void>;
  /** Forms and writes one group from the queue's head (a commit or a flush request). */
  readonly group: () => Promise<void>;
}

/**
 * The store's single lane: entries run one after another in queue order. A group takes the
 * commands waiting at the head itself (`peek` / `take`), so commands issued in one synchronous run
 * share a group.
 */
export class Lane<S, Op> {
  private queue: Entry<S, Op>[] = [];
  private head = 0;
  private running = false;
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
    this.head++;
  }

  /** Empties the queue and returns what was waiting. */
  drain(): Entry<S, Op>[] {
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    return pending;
  }

  enqueue(entry: Entry<S, Op>): void {
    this.queue.push(entry);
    if (this.running) return;
    this.running = true;
    // A microtask later, so commands issued in one synchronous run share a group.
    queueMicrotask(() => void this.pump());
  }

  /** Runs `work` in the lane and resolves with its result. */
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
      });
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.head < this.queue.length) {
        const entry = this.queue[this.head] as Entry<S, Op>;
        if (entry.kind === "task") {
          this.head++;
          await entry.run();
        } else if (entry.kind === "external") {
          this.head++;
          await this.handlers.external(entry);
        } else {
          await this.handlers.group();
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
