import type { Codec } from "@snapwrite/core";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMet } from "./encode-known-met.js";
import type { KnownMet } from "./known-met.js";

/** Options of {@link createKnownMetCodec}. */
export interface KnownMetCodecOptions {
  /** Chunk size of `encode` in bytes (default 256 KiB). */
  readonly chunkSize?: number | undefined;
}

/**
 * Creates a `Codec<KnownMet>` for known.met: `encode` is {@link encodeKnownMet} (chunked,
 * byte-identical for decoded records, header `"auto"` allowed), `decode` is the strict
 * {@link decodeKnownMet} (throws `ERR_CORRUPT` with `details.offset` and `details.reason`; use
 * `decodeKnownMet(bytes, { salvage: true })` to keep the records before the damage).
 */
export function createKnownMetCodec(options: KnownMetCodecOptions = {}): Codec<KnownMet> {
  const { chunkSize } = options;
  if (chunkSize !== undefined && (!Number.isSafeInteger(chunkSize) || chunkSize < 64)) {
    throw new RangeError(
      `createKnownMetCodec: chunkSize must be an integer >= 64, got ${chunkSize}`,
    );
  }
  return {
    name: "known.met",
    encode: (value) => encodeKnownMet(value, { chunkSize }),
    decode: (bytes) => decodeKnownMet(bytes),
  };
}

/** The known.met codec with default options (256 KiB chunks). */
export const knownMetCodec: Codec<KnownMet> = createKnownMetCodec();
