/**
 * The opt-in protocol by which a sink hands written chunks back to the codec that made them
 * (docs/architecture.md#executors): a chunk iterable may carry a release function under
 * {@link CHUNK_RELEASE}. A sink that supports it calls the function with each chunk once nothing
 * reads that chunk any more (its bytes are fully written and no I/O still references it); the
 * codec may then reuse the chunk's memory for a later chunk. A sink that never calls it stays
 * correct: the codec simply allocates fresh chunks, as without the protocol.
 */

/** Releases one chunk back to its codec. Never called twice for one chunk by a correct sink. */
export type ChunkRelease = (chunk: Uint8Array) => void;

/**
 * The symbol under which a chunk iterable carries its {@link ChunkRelease}. A registered symbol,
 * so duplicated copies of `@snapwrite/core` agree on it.
 */
export const CHUNK_RELEASE: unique symbol = Symbol.for("snapwrite.chunkRelease") as never;

/** A chunk iterable that may carry a {@link ChunkRelease}. */
export type ReleasableChunks<I> = I & { readonly [CHUNK_RELEASE]?: ChunkRelease | undefined };

/**
 * Returns `chunks` carrying `release` under {@link CHUNK_RELEASE} (`chunks` itself, or a thin
 * iterable over it when it cannot take a property). With `release` undefined, returns `chunks`
 * unchanged. Wrappers of a chunk iterable (the writer's, an executor's) use it to pass the hook on.
 */
export function withChunkRelease<I extends Iterable<Uint8Array> | AsyncIterable<Uint8Array>>(
  chunks: I,
  release: ChunkRelease | undefined,
): I {
  if (release === undefined) return chunks;
  if (Object.isExtensible(chunks)) {
    Object.defineProperty(chunks, CHUNK_RELEASE, { value: release, configurable: true });
    return chunks;
  }
  return Object.freeze(forwardingIterable(chunks, release)) as unknown as I;
}

function forwardingIterable(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  release: ChunkRelease,
): object {
  const asyncIterator = (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator];
  if (typeof asyncIterator === "function") {
    return {
      [Symbol.asyncIterator]: () => asyncIterator.call(chunks),
      [CHUNK_RELEASE]: release,
    };
  }
  return {
    [Symbol.iterator]: () => (chunks as Iterable<Uint8Array>)[Symbol.iterator](),
    [CHUNK_RELEASE]: release,
  };
}

/**
 * The release function `chunks` carries, wrapped so it never throws (a codec's failing release
 * must not fail a write whose bytes are stored), or `undefined` when it carries none. A sink calls
 * the result with each chunk it is done with: fully written, no I/O still referencing it, and no
 * reference kept (a sink that keeps chunks, like an in-memory one, copies them or never releases).
 */
export function chunkReleaseOf(chunks: unknown): ChunkRelease | undefined {
  if (chunks === null || (typeof chunks !== "object" && typeof chunks !== "function")) {
    return undefined;
  }
  const release = (chunks as { [CHUNK_RELEASE]?: unknown })[CHUNK_RELEASE];
  if (typeof release !== "function") return undefined;
  return (chunk) => {
    try {
      release(chunk);
    } catch {
      // The chunk is just not reused; the write it belonged to is not affected.
    }
  };
}
