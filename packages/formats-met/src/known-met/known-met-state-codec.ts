import type { Codec } from "@snapwrite/core";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMetState } from "./encode-known-met-state.js";
import { type KnownMetState, knownMetStateFrom } from "./known-met-state.js";

/** Options of {@link createKnownMetStateCodec}. */
export interface KnownMetStateCodecOptions {
  /** Chunk size of `encode` in bytes (default 256 KiB). */
  readonly chunkSize?: number | undefined;
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
  const { chunkSize } = options;
  if (chunkSize !== undefined && (!Number.isSafeInteger(chunkSize) || chunkSize < 64)) {
    throw new RangeError(
      `createKnownMetStateCodec: chunkSize must be an integer >= 64, got ${chunkSize}`,
    );
  }
  return {
    name: "known.met",
    encode: (value) => encodeKnownMetState(value, { chunkSize }),
    decode: (bytes) => knownMetStateFrom(decodeKnownMet(bytes)),
  };
}

/** The known.met state codec with default options (256 KiB chunks). */
export const knownMetStateCodec: Codec<KnownMetState> = createKnownMetStateCodec();
