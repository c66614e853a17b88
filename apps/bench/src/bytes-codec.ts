import type { Codec } from "@snapwrite/core";

/** A codec for opaque byte payloads: yields the bytes as one chunk, decodes to the same bytes. */
export const bytesCodec: Codec<Uint8Array> = {
  name: "bytes",
  *encode(value) {
    yield value;
  },
  decode: (bytes) => bytes,
};
