import type { Codec } from "@snapwrite/core";
import type { ChunkPool } from "@snapwrite/core/codec-kit";
import { codecChunkPool } from "./codec-chunk-pool.js";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMet } from "./encode-known-met.js";
import type { KnownMet } from "./known-met.js";

/** Options of {@link createKnownMetCodec}. */
export interface KnownMetCodecOptions {
  /** Chunk size of `encode` in bytes (default 256 KiB, or the pool's). */
  readonly chunkSize?: number | undefined;
  /**
   * Where `encode` takes its chunk buffers (`@snapwrite/core/codec-kit`'s `createChunkPool`):
   * default a pool of the codec's own (16 chunks at most kept idle), `false` for a fresh buffer
   * per chunk. The chunks carry the pool's release hook (`CHUNK_RELEASE`), so a sink that
   * supports it (sink-fs) gives them back once written and a save allocates no new chunks.
   */
  readonly pool?: ChunkPool | false | undefined;
}

/**
 * Creates a `Codec<KnownMet>` for known.met: `encode` is {@link encodeKnownMet} (chunked,
 * byte-identical for decoded records, header `"auto"` allowed), `decode` is the strict
 * {@link decodeKnownMet} (throws `ERR_CORRUPT` with `details.offset` and `details.reason`; use
 * `decodeKnownMet(bytes, { salvage: true })` to keep the records before the damage).
 */
export function createKnownMetCodec(options: KnownMetCodecOptions = {}): Codec<KnownMet> {
  const pool = codecChunkPool("createKnownMetCodec", options.chunkSize, options.pool);
  const chunkSize = options.chunkSize ?? pool?.chunkSize;
  return {
    name: "known.met",
    encode: (value) => encodeKnownMet(value, { chunkSize, pool }),
    decode: (bytes) => decodeKnownMet(bytes),
  };
}

/** The known.met codec with default options (256 KiB chunks from a pool of its own). */
export const knownMetCodec: Codec<KnownMet> = createKnownMetCodec();
