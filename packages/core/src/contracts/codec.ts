/**
 * Turns values into bytes and back. `encode` is a generator whose every step does bounded work, so
 * an executor can slice it; each yielded chunk is handed over and never touched again by the codec.
 */
export interface Codec<T> {
  /** Short name for telemetry and errors (`"json"`, `"known.met"`). */
  readonly name: string;
  /**
   * Encodes `value` as a sequence of chunks: a synchronous iterable, typically a generator. The
   * writer fails anything else (a promise, an async iterable) with `ERR_ENCODE` at stage `encode`.
   * It may carry a release hook (`withChunkRelease` of `@snapwrite/core/codec-kit`) through which a
   * sink gives the chunks back for reuse once written.
   */
  encode(value: T): Iterable<Uint8Array>;
  /**
   * Decodes bytes; throws {@link PersistenceError} `ERR_CORRUPT` with `details.offset` on bad input.
   * Intact bytes this codec cannot read (written by a newer version of the format, or a migration
   * that failed) are `ERR_UNSUPPORTED`, never `ERR_CORRUPT`: a loader moves an `ERR_CORRUPT` file
   * aside as damaged, and would lose data that a newer version of the application still reads.
   */
  decode(bytes: Uint8Array): T;
}
