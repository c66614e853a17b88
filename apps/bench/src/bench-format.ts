import type { Codec } from "@snapwrite/core";

/** How one workload's state becomes bytes, for every contender. */
export interface BenchFormat<T> {
  /** Short name: `"known.met"`, `"json"`, `"burst"`. */
  readonly name: string;
  /** What a caller without snapwrite hands to a write function: built synchronously on the owner thread. */
  encodePayload(value: T): string | Uint8Array;
  /** The snapwrite codec, or `undefined` when its package does not provide it yet. */
  readonly codec: Codec<T> | undefined;
  /** Decodes `bytes` read back from the store and checks they hold exactly `expected`. */
  verify(bytes: Uint8Array, expected: T): boolean;
}

/** Concatenates the chunks of a codec's encoding into one buffer. */
export function encodeToBuffer<T>(codec: Codec<T>, value: T): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const chunk of codec.encode(value)) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return Buffer.concat(chunks, total);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Verification shared by the formats: the expected state's canonical bytes are computed once per
 * state; stored bytes must decode, and re-encoding what was decoded must give those bytes. Several
 * contenders store identical bytes, and decoding is deterministic, so the decode of a byte string
 * already verified is not repeated (it would only cost time: a 1M-record JSON parse takes seconds).
 */
function createVerifier<T>(
  canonical: (value: T) => Uint8Array,
  roundTrip: (bytes: Uint8Array) => Uint8Array,
): (bytes: Uint8Array, expected: T) => boolean {
  const cache = new WeakMap<object, { want: Uint8Array; decodesToItself?: boolean }>();
  return (bytes, expected) => {
    const key = expected as unknown as object;
    let entry = cache.get(key);
    if (!entry) {
      entry = { want: canonical(expected) };
      cache.set(key, entry);
    }
    const check = (candidate: Uint8Array): boolean => {
      try {
        return bytesEqual(roundTrip(candidate), entry.want);
      } catch {
        return false;
      }
    };
    if (!bytesEqual(bytes, entry.want)) return check(bytes);
    entry.decodesToItself ??= check(bytes);
    return entry.decodesToItself;
  };
}

/**
 * JSON: `JSON.stringify` for the naive contenders, the formats-json codec (whose compact output
 * equals `JSON.stringify`) for snapwrite. Verification parses the stored text and compares its
 * re-serialization with the expected state's.
 */
export function createJsonFormat<T>(codec: Codec<T> | undefined): BenchFormat<T> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    name: "json",
    encodePayload: (value) => JSON.stringify(value),
    codec,
    verify: createVerifier<T>(
      (value) => Buffer.from(JSON.stringify(value), "utf8"),
      (bytes) => Buffer.from(JSON.stringify(JSON.parse(decoder.decode(bytes))), "utf8"),
    ),
  };
}

/**
 * A binary format given by a codec (known.met): the naive contenders concatenate the codec's chunks
 * into one buffer; verification decodes the stored bytes with the codec and checks that re-encoding
 * them gives the expected state's bytes (the codec round-trips byte for byte).
 */
export function createCodecFormat<T>(name: string, codec: Codec<T>): BenchFormat<T> {
  return {
    name,
    encodePayload: (value) => encodeToBuffer(codec, value),
    codec,
    verify: createVerifier<T>(
      (value) => encodeToBuffer(codec, value),
      (bytes) => encodeToBuffer(codec, codec.decode(bytes)),
    ),
  };
}
