import type {
  Sink,
  SinkQuarantineOptions,
  SinkWriteOptions,
  SinkWriteResult,
  TargetId,
} from "@snapwrite/core";
import { defineSink } from "@snapwrite/core/sink-kit";
import { createInspection, type MemorySinkInspection } from "./inspect.js";
import { type MemorySinkOptions, parseMemorySinkOptions } from "./options.js";
import { createMemoryStore } from "./store.js";

/** The in-memory reference {@link Sink}, with inspection helpers for tests and the bench. */
export interface MemorySink extends Sink, MemorySinkInspection {
  /**
   * Moves the primary to a unique `<target>.corrupt-<time>` key and resolves with that key. With
   * `expected`, moves it only while it holds exactly those bytes (checked in the target's queue,
   * after earlier writes), else rejects with `ERR_STALE` (`details.reason: "changed"`).
   */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
  /** Waits for queued writes, then makes further writes and quarantines reject with `ERR_CLOSED`. */
  close(): Promise<void>;
  /** `close()`, for `await using sink = createMemorySink()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates the in-memory reference sink: atomic replace (content is swapped in only after the last
 * chunk arrived), writes serialized per target in call order (the last call wins), copies out on
 * read, optional backup of the previous version, quarantine, and injectable latency.
 *
 * Chunks are retained as handed over (docs/architecture.md#executors), without concatenation, so a write costs no copy;
 * `read` and `snapshot` concatenate into fresh buffers. Set `copyChunks` if a caller reuses buffers.
 */
export function createMemorySink(options: MemorySinkOptions = {}): MemorySink {
  const parsed = parseMemorySinkOptions(options);
  const store = createMemoryStore(parsed);
  const sink = defineSink({
    capabilities: {
      atomicReplace: true,
      durable: false,
      backup: parsed.backup,
      crossProcessLock: false,
      fencing: parsed.fencing,
    },
    writeNow: store.writeNow,
    readNow: store.readNow,
    quarantineNow: store.quarantineNow,
    // A missing target stays ERR_NOT_FOUND, and the comparison reads no copy and counts no read.
    checksExpected: true,
    // The contents stay readable after close, like the inspection helpers.
    readAfterClose: true,
  });
  const { counters } = store;

  async function write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    writeOptions?: SinkWriteOptions,
  ): Promise<SinkWriteResult> {
    counters.pending += 1;
    try {
      return await sink.write(target, chunks, writeOptions);
    } catch (error) {
      counters.failures += 1;
      throw error;
    } finally {
      counters.pending -= 1;
    }
  }

  return {
    ...sink,
    quarantine: sink.quarantine as MemorySink["quarantine"],
    write,
    ...createInspection(store),
  };
}
