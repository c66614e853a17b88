import { performance } from "node:perf_hooks";
import type { Codec } from "@snapwrite/core";

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
 * Measures a codec: drains `encode(value)` (counting bytes, keeping nothing) and decodes the
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
    for (const chunk of codec.encode(value)) seen += chunk.byteLength;
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

/** A codec against the naive path on the same data, measured in one run (issue 14 goals 2 and 3). */
export interface CodecVersusNative {
  /** Codec name. */
  readonly codec: string;
  /** Encoded size, bytes. */
  readonly bytes: number;
  /** Best codec encode time (all chunks drained), ms. */
  readonly encodeMs: number;
  /** Best codec decode time, ms. */
  readonly decodeMs: number;
  /** Best native encode time (for JSON: `Buffer.from(JSON.stringify(value))`), ms. */
  readonly nativeEncodeMs: number;
  /** Best native decode time (for JSON: `JSON.parse(buffer.toString())`), ms. */
  readonly nativeDecodeMs: number;
  /** Codec encode speed ÷ native encode speed (goal 2: ≥ 1.0). */
  readonly encodeRatio: number;
  /** Codec decode speed ÷ native decode speed (goal 2: ≥ 0.9). */
  readonly decodeRatio: number;
}

/**
 * Measures `codec` and a native encode/decode pair on the same value, interleaved (both encodes,
 * then both decodes, in every round; who goes first alternates) and keeping the best time of each
 * over `repeats` rounds, so both see the same machine load. For the JSON codec, pass
 * `jsonNative` as `native`.
 */
export function measureCodecVersusNative<T>(
  codec: Codec<T>,
  value: T,
  native: { encode: (value: T) => Uint8Array; decode: (bytes: Uint8Array) => unknown },
  repeats: number,
): CodecVersusNative {
  const encoded = Buffer.concat([...codec.encode(value)]);
  const nativeBytes = native.encode(value);
  const best = {
    encode: Infinity,
    decode: Infinity,
    nativeEncode: Infinity,
    nativeDecode: Infinity,
  };
  const time = (key: keyof typeof best, run: () => void): void => {
    const start = performance.now();
    run();
    best[key] = Math.min(best[key], performance.now() - start);
  };
  // The order flips every round: the garbage of one run (swept by background threads) must not
  // always be charged to the same contender.
  for (let r = 0; r < repeats; r++) {
    const codecFirst = r % 2 === 1;
    const encodes = [
      () => time("nativeEncode", () => native.encode(value)),
      () =>
        time("encode", () => {
          for (const _chunk of codec.encode(value));
        }),
    ];
    const decodes = [
      () => time("nativeDecode", () => native.decode(nativeBytes)),
      () => time("decode", () => codec.decode(encoded)),
    ];
    if (codecFirst) {
      encodes.reverse();
      decodes.reverse();
    }
    for (const run of [...encodes, ...decodes]) run();
  }
  const ratio = (nativeMs: number, codecMs: number): number =>
    Number((nativeMs / codecMs).toFixed(2));
  return {
    codec: codec.name,
    bytes: encoded.byteLength,
    encodeMs: Number(best.encode.toFixed(2)),
    decodeMs: Number(best.decode.toFixed(2)),
    nativeEncodeMs: Number(best.nativeEncode.toFixed(2)),
    nativeDecodeMs: Number(best.nativeDecode.toFixed(2)),
    encodeRatio: ratio(best.nativeEncode, best.encode),
    decodeRatio: ratio(best.nativeDecode, best.decode),
  };
}

/** The naive JSON path: `Buffer.from(JSON.stringify(value))` and `JSON.parse(buffer.toString())`. */
export const jsonNative = {
  encode: (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value)),
  decode: (bytes: Uint8Array): unknown =>
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()),
};

/** A warm load against the bare read of the same file (issue 14 goal 3: ratio ≤ 1.3). */
export interface WarmLoadRatio {
  /** Best bare read time, ms. */
  readonly readMs: number;
  /** Best load time (read + decode + the loader's checks), ms. */
  readonly loadMs: number;
  /** `loadMs / readMs`. */
  readonly ratio: number;
}

/**
 * Times `read()` (the bare read of the file, e.g. `readFile(path)`) and `load()` (e.g. `loadTarget`
 * of the same file with the known.met codec) alternately, `repeats` rounds after one warm-up round
 * each, keeping the best time of each.
 */
export async function measureWarmLoad(
  read: () => Promise<unknown>,
  load: () => Promise<unknown>,
  repeats: number,
): Promise<WarmLoadRatio> {
  await read();
  await load();
  let readMs = Infinity;
  let loadMs = Infinity;
  for (let r = 0; r < repeats; r++) {
    let start = performance.now();
    await read();
    readMs = Math.min(readMs, performance.now() - start);
    start = performance.now();
    await load();
    loadMs = Math.min(loadMs, performance.now() - start);
  }
  return {
    readMs: Number(readMs.toFixed(2)),
    loadMs: Number(loadMs.toFixed(2)),
    ratio: Number((loadMs / readMs).toFixed(2)),
  };
}
