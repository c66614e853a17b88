import { performance } from "node:perf_hooks";
import type { Codec } from "@snapwrite/core";
import { chunkReleaseOf } from "@snapwrite/core/codec-kit";

/** Encode and decode speed of one codec on one state. */
export interface CodecThroughput {
  /** Codec name. */
  readonly codec: string;
  /** Encoded size, bytes. */
  readonly bytes: number;
  /** Chunks yielded by one encoding. */
  readonly chunks: number;
  /** Largest chunk, bytes. */
  readonly maxChunkBytes: number;
  /** Best encode time over the repeats, ms. */
  readonly encodeMs: number;
  /** Best decode time over the repeats, ms. */
  readonly decodeMs: number;
  /** Encode speed, MB/s (10^6 bytes). */
  readonly encodeMBps: number;
  /** Decode speed, MB/s (10^6 bytes). */
  readonly decodeMBps: number;
}

/**
 * Measures a codec: drains `encode(value)` as a save does (counting bytes, keeping nothing, and
 * giving each chunk back through the encoding's release hook once counted, as a sink does once it
 * has written it, so a pooled codec reuses its chunks as in every save) and decodes the
 * concatenated encoding, `repeats` times each, keeping the best time (least disturbed by the other
 * work on the machine). Returns the encoding too, for the bare-write baseline.
 */
export function measureCodecThroughput<T>(
  codec: Codec<T>,
  value: T,
  repeats: number,
): { throughput: CodecThroughput; encoded: Uint8Array[] } {
  const encoded: Uint8Array[] = [];
  let bytes = 0;
  let maxChunkBytes = 0;
  for (const chunk of codec.encode(value)) {
    encoded.push(chunk);
    bytes += chunk.byteLength;
    if (chunk.byteLength > maxChunkBytes) maxChunkBytes = chunk.byteLength;
  }
  let encodeMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    let seen = 0;
    const chunks = codec.encode(value);
    const release = chunkReleaseOf(chunks);
    for (const chunk of chunks) {
      seen += chunk.byteLength;
      release?.(chunk);
    }
    const elapsed = performance.now() - start;
    if (seen !== bytes) throw new Error(`${codec.name} encoded ${seen} bytes, earlier ${bytes}`);
    encodeMs = Math.min(encodeMs, elapsed);
  }
  const whole = Buffer.concat(encoded, bytes);
  let decodeMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    codec.decode(whole);
    decodeMs = Math.min(decodeMs, performance.now() - start);
  }
  const mbps = (ms: number): number => Number((bytes / 1e6 / (ms / 1000)).toFixed(1));
  return {
    throughput: {
      codec: codec.name,
      bytes,
      chunks: encoded.length,
      maxChunkBytes,
      encodeMs: Number(encodeMs.toFixed(2)),
      decodeMs: Number(decodeMs.toFixed(2)),
      encodeMBps: mbps(encodeMs),
      decodeMBps: mbps(decodeMs),
    },
    encoded,
  };
}
