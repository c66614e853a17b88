/**
 * The registered symbol `@snapwrite/core` exports as `CHUNK_RELEASE`, read here by name so the bench
 * still loads builds of core that predate it.
 */
export const CHUNK_RELEASE = Symbol.for("snapwrite.chunkRelease");

/**
 * `wrapper` (an iterable the bench puts around a codec's chunks) carrying the chunk release hook of
 * `chunks`, when they have one: without it sink-fs could not give pooled chunks back, and the
 * bench would measure a save that allocates every chunk anew, which no user's writer does.
 */
export function withReleaseOf<W extends object>(wrapper: W, chunks: unknown): W {
  const release = (chunks as { [CHUNK_RELEASE]?: unknown } | null)?.[CHUNK_RELEASE];
  if (typeof release === "function") {
    Object.defineProperty(wrapper, CHUNK_RELEASE, { value: release, configurable: true });
  }
  return wrapper;
}
