import { type ChunkWriter, createChunkWriter } from "@snapwrite/core/codec-kit";
import { drainChunks } from "./record-run-writer.js";

/**
 * Runs shorter than this are copied into the encoder's own chunks, so a file whose records are
 * scattered over many small pieces does not become thousands of tiny chunks; longer runs are
 * handed out as views of the replica's storage, with no copy.
 */
const BORROW_MIN = 16 * 1024;

/**
 * Streams byte runs in order, adjacent runs of one source joined. Copying (the default), every run
 * goes into chunks of its own, at most `chunkSize` bytes per step. Borrowing, long runs go out as
 * views of their source (at most `chunkSize` each) and only short ones are copied: the views stay
 * valid only while the source is not changed, which `serveReplica` guarantees by applying no patch
 * while an encode is consumed.
 */
export class ReplicaRuns {
  readonly #w: ChunkWriter;
  readonly #chunkSize: number;
  readonly #borrow: boolean;
  #src: Uint8Array | undefined = undefined;
  #start = 0;
  #end = 0;

  constructor(chunkSize: number | undefined, borrow: boolean) {
    // take() (handing over a partial chunk before a view) needs zero-filled chunks.
    this.#w = createChunkWriter({ chunkSize, zeroFill: borrow });
    this.#chunkSize = this.#w.chunkSize;
    this.#borrow = borrow;
  }

  /** The encoder's own chunk writer, for bytes that are not runs of a source (the file header). */
  get writer(): ChunkWriter {
    return this.#w;
  }

  /**
   * Adds `src[start, end)`; yields what became ready: a run that reached the chunk size, or the
   * run before it when `src[start, end)` does not continue it.
   */
  *span(src: Uint8Array, start: number, end: number): Generator<Uint8Array, void, undefined> {
    if (src === this.#src && start === this.#end) this.#end = end;
    else {
      yield* this.flush();
      this.#src = src;
      this.#start = start;
      this.#end = end;
    }
    if (!this.#borrow) {
      if (this.#end - this.#start >= this.#chunkSize) yield* this.flush();
      return;
    }
    while (this.#end - this.#start >= this.#chunkSize) {
      yield* this.#handOver();
      const src = this.#src as Uint8Array;
      yield src.subarray(this.#start, this.#start + this.#chunkSize);
      this.#start += this.#chunkSize;
    }
  }

  /** Yields the pending run (borrowed or copied) and every chunk ready before it. */
  *flush(): Generator<Uint8Array, void, undefined> {
    const src = this.#src;
    if (src === undefined) return;
    this.#src = undefined;
    if (!this.#borrow || this.#end - this.#start < BORROW_MIN) {
      this.#w.copy(src, this.#start, this.#end);
      yield* drainChunks(this.#w);
      return;
    }
    yield* this.#handOver();
    yield src.subarray(this.#start, this.#end);
  }

  /** Yields the rest of the writer's bytes; call after the last {@link ReplicaRuns.flush}. */
  *finish(): Generator<Uint8Array, void, undefined> {
    yield* drainChunks(this.#w);
    const last = this.#w.finish();
    if (last !== undefined) yield last;
  }

  /** Everything the writer holds, in order, before a borrowed view goes out. */
  *#handOver(): Generator<Uint8Array, void, undefined> {
    if (this.#w.pending > 0) this.#w.take();
    yield* drainChunks(this.#w);
  }
}
