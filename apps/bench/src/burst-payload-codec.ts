import { type Codec, PersistenceError } from "@snapwrite/core";

/** State of the burst workload: which save this is. The payload is derived from it. */
export interface BurstState {
  /** Sequence number of the save, 0-based. */
  readonly seq: number;
}

/**
 * A codec whose encoding is a fixed-size payload (`sizeBytes`, default 1 MiB): a deterministic
 * pattern with the sequence number in its first 4 bytes (big-endian). Serializing costs one
 * 1 MiB copy, the same for every contender. Decoding checks the whole pattern.
 */
export function createBurstPayloadCodec(sizeBytes = 1024 * 1024): Codec<BurstState> {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 8) {
    throw new RangeError(`sizeBytes must be an integer ≥ 8, got ${sizeBytes}`);
  }
  const template = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) template[i] = (i * 31 + 7) & 0xff;
  return {
    name: "burst-payload",
    *encode(value) {
      const payload = new Uint8Array(template);
      new DataView(payload.buffer).setUint32(0, value.seq);
      yield payload;
    },
    decode(bytes) {
      if (bytes.byteLength !== sizeBytes) {
        throw new PersistenceError(
          "ERR_CORRUPT",
          `burst payload is ${bytes.byteLength} bytes, want ${sizeBytes}`,
          {
            details: { offset: Math.min(bytes.byteLength, sizeBytes), reason: "bad-length" },
          },
        );
      }
      for (let i = 4; i < sizeBytes; i++) {
        if (bytes[i] !== template[i]) {
          throw new PersistenceError("ERR_CORRUPT", `burst payload differs at byte ${i}`, {
            details: { offset: i, reason: "bad-content" },
          });
        }
      }
      return { seq: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) };
    },
  };
}
