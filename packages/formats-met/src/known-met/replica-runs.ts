import { type ChunkWriter, createChunkWriter } from "@snapwrite/core/codec-kit";

/**
 * Runs shorter than this (a few records) are copied into the encoder's own chunks, so a record
 * changed alone does not become a chunk of its own; longer runs are handed out as views of the
 * replica's storage, with no copy. Records changed out of place cut the loaded file into runs: a
 * few thousand scattered changes leave runs of a few KiB, which a higher bound (it was 16 KiB)
 * copied, so a save copied most of the file into fresh chunks, garbage of the file's size.
 */
export const BORROW_MIN = 1024;
const EMPTY = new Uint8Array(0);

/**
 * Collects byte runs in order, adjacent runs of one source joined, and queues the chunks they
 * become for {@link ReplicaRuns.next}. Copying (the default), every run goes into chunks of its
 * own, at most `chunkSize` bytes per step. Borrowing, long runs go out as views of their source
 * (at most `chunkSize` each) and only short ones are copied: the views stay valid only while the
 * source is not changed, which `serveReplica` guarantees by applying no patch while an encode is
 * consumed. Plain methods, not generators: a save of a million records allocates nothing per
 * record.
 */
export class ReplicaRuns {
  readonly #w: ChunkWriter;
  readonly #chunkSize: number;
  readonly #borrow: boolean;
  #src: Uint8Array | undefined = undefined;
  #start = 0;
  #end = 0;
  /** Chunks ready before everything the writer holds, oldest first from `#head`. */
  readonly #out: Uint8Array[] = [];
  #head = 0;

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
   * Adds `src[start, end)`; queues what became ready: a run that reached the chunk size, or the
   * run before it when `src[start, end)` does not continue it.
   */
  span(src: Uint8Array, start: number, end: number): void {
    if (src === this.#src && start === this.#end) this.#end = end;
    else {
      this.flush();
      this.#src = src;
      this.#start = start;
      this.#end = end;
    }
    if (!this.#borrow) {
      if (this.#end - this.#start >= this.#chunkSize) this.flush();
      return;
    }
    while (this.#end - this.#start >= this.#chunkSize) {
      this.#lend(src.subarray(this.#start, this.#start + this.#chunkSize));
      this.#start += this.#chunkSize;
    }
  }

  /** Queues the pending run (borrowed or copied). */
  flush(): void {
    const src = this.#src;
    if (src === undefined) return;
    this.#src = undefined;
    if (!this.#borrow || this.#end - this.#start < BORROW_MIN) {
      this.#w.copy(src, this.#start, this.#end);
      return;
    }
    this.#lend(src.subarray(this.#start, this.#end));
  }

  /** Queues the rest of the writer's bytes; call after the last {@link ReplicaRuns.flush}. */
  finish(): void {
    this.#moveReady();
    const last = this.#w.finish();
    if (last !== undefined) this.#out.push(last);
  }

  /** The next chunk ready, in order, or `undefined`. */
  next(): Uint8Array | undefined {
    const out = this.#out;
    if (this.#head < out.length) {
      const chunk = out[this.#head] as Uint8Array;
      out[this.#head++] = EMPTY;
      if (this.#head === out.length) {
        out.length = 0;
        this.#head = 0;
      }
      return chunk;
    }
    return this.#w.takeReady();
  }

  /** Queues a view of a source after everything the writer holds. */
  #lend(view: Uint8Array): void {
    if (this.#w.pending > 0) this.#w.take();
    this.#moveReady();
    this.#out.push(view);
  }

  #moveReady(): void {
    for (let chunk = this.#w.takeReady(); chunk !== undefined; chunk = this.#w.takeReady()) {
      this.#out.push(chunk);
    }
  }
}
