import type { Codec } from "@snapwrite/core";
import type { ChunkPool } from "@snapwrite/core/codec-kit";
import { codecChunkPool } from "./codec-chunk-pool.js";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMetState } from "./encode-known-met-state.js";
import { type KnownMetState, knownMetStateFrom } from "./known-met-state.js";

/** Options of {@link createKnownMetStateCodec}. */
export interface KnownMetStateCodecOptions {
  /** Chunk size of `encode` in bytes (default 256 KiB, or the pool's). */
  readonly chunkSize?: number | undefined;
  /** Where `encode` takes its chunk buffers: as `KnownMetCodecOptions.pool`. */
  readonly pool?: ChunkPool | false | undefined;
}

/**
 * Creates a `Codec<KnownMetState>` for a durable store's snapshots: `encode` is
 * {@link encodeKnownMetState} (byte-identical to `knownMetCodec.encode` of the equivalent record
 * list, chunked), `decode` is the strict `decodeKnownMet` (`ERR_CORRUPT` with `details.offset`
 * and `details.reason`) turned into a state that keeps the file's header and duplicates.
 */
export function createKnownMetStateCodec(
  options: KnownMetStateCodecOptions = {},
): Codec<KnownMetState> {
  const pool = codecChunkPool("createKnownMetStateCodec", options.chunkSize, options.pool);
  const chunkSize = options.chunkSize ?? pool?.chunkSize;
  return {
    name: "known.met",
    encode: (value) => encodeKnownMetState(value, { chunkSize, pool }),
    decode: (bytes) => knownMetStateFrom(decodeKnownMet(bytes)),
  };
}

/** The known.met state codec with default options (256 KiB chunks from a pool of its own). */
export const knownMetStateCodec: Codec<KnownMetState> = createKnownMetStateCodec();
