import { chunkReleaseOf, withChunkRelease } from "../contracts/chunk-release.js";
import type { TargetId } from "../contracts/target.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { yieldPastDueTimers } from "./event-loop-turn.js";

/** What an {@link Executor} learns about the write it drives. */
export interface ExecutorContext {
  /** Target being written. */
  readonly target: TargetId;
  /** Generation of the snapshot being encoded. */
  readonly generation: number;
  /** Aborted when the writer gives up on the write (close deadline). */
  readonly signal: AbortSignal;
}

/**
 * Runs a codec's chunk generator and hands the chunks to the sink as they come, never collecting
 * the whole payload. The writer calls {@link Executor.stream} once per write attempt and passes the
 * result to `sink.write`. Implement it to plug in another strategy (a worker thread, later).
 */
export interface Executor {
  /** Name for telemetry: `"inline"`, `"sliced"`, … */
  readonly name: string;
  /**
   * Turns the codec's chunk iterable into the chunk source the sink pulls from. A source that
   * yields the same chunks should pass on their release hook (`withChunkRelease(source,
   * chunkReleaseOf(chunks))`, from `@snapwrite/core/sink-kit`) so they can be recycled.
   */
  stream(
    chunks: Iterable<Uint8Array>,
    context: ExecutorContext,
  ): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

/** The executors selectable by name in `createPersistenceWriter({ executor })`. */
export type ExecutorName = "inline" | "sliced";

/**
 * The `inline` executor: the sink drains the codec in one go, on the owner thread. Best for small
 * states; a large one blocks the event loop for the whole encode.
 */
export function createInlineExecutor(): Executor {
  return INLINE;
}

const INLINE: Executor = Object.freeze({
  name: "inline",
  stream: (chunks: Iterable<Uint8Array>): Iterable<Uint8Array> => chunks,
});

/** Options of {@link createSlicedExecutor}. */
export interface SlicedExecutorOptions {
  /** Time budget of one slice, in ms; finite and `> 0`. Default `4`. */
  readonly budgetMs?: number | undefined;
  /** High-resolution time source for the budget. Default `performance.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * Yields to the event loop and resolves when it may continue. Default: two `setImmediate`s in a
   * row, so due timers run before the next slice even when an I/O callback (a sink's completed
   * `writev`) resumed the current one.
   */
  readonly yieldToEventLoop?: (() => Promise<void>) | undefined;
}

/** Throws `RangeError` unless `budgetMs` is a finite number > 0. */
export function assertValidSliceBudget(budgetMs: unknown): asserts budgetMs is number {
  if (typeof budgetMs !== "number") throw new TypeError("sliceBudgetMs must be a number");
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) {
    throw new RangeError(`sliceBudgetMs must be a finite number > 0, got ${budgetMs}`);
  }
}

/**
 * The `sliced` executor: drains the codec in slices and yields to the event loop whenever the time
 * budget of the current slice is spent (measured with `performance.now()`), so a large encode does
 * not freeze the owner thread. Codecs must keep each generator step small. The yield lets due
 * timers run before the next slice wherever the slice ran: after a sink's I/O callback resumed the
 * encode (the poll phase), a single `setImmediate` would start the next slice in the same loop
 * iteration and the owner would wait two budgets for its timers.
 */
export function createSlicedExecutor(options: SlicedExecutorOptions = {}): Executor {
  const budgetMs = options.budgetMs ?? 4;
  assertValidSliceBudget(budgetMs);
  const now = options.now ?? (() => performance.now());
  const yieldToEventLoop = options.yieldToEventLoop ?? yieldPastDueTimers;
  async function* slices(
    chunks: Iterable<Uint8Array>,
    context: ExecutorContext,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    // Wall time since the last yield, including the time the sink spent with each chunk: simple and
    // conservative (a sink awaiting real I/O causes at most one spare yield per chunk).
    let sliceStart = now();
    for (const chunk of chunks) {
      yield chunk;
      if (now() - sliceStart >= budgetMs) {
        await yieldToEventLoop();
        if (context.signal.aborted) {
          throw new PersistenceError(
            "ERR_ABORTED",
            `write of ${JSON.stringify(context.target)} aborted`,
            {
              target: context.target,
              cause: context.signal.reason,
            },
          );
        }
        sliceStart = now();
      }
    }
  }
  return Object.freeze({
    name: "sliced",
    stream: (chunks: Iterable<Uint8Array>, context: ExecutorContext) =>
      withChunkRelease(slices(chunks, context), chunkReleaseOf(chunks)),
  });
}
