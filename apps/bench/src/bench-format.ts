import type { Codec } from "@snapwrite/core";

/** How one workload's state becomes bytes, for every contender. */
export interface BenchFormat<T> {
  /** Short name: `"known.met"`, `"json"`, `"bytes"`. */
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
 * JSON: `JSON.stringify` for the naive contenders, the formats-json codec (whose compact output
 * equals `JSON.stringify`) for snapwrite. Verification parses the stored text and compares its
 * canonical re-serialization with the expected state's.
 */
export function createJsonFormat<T>(codec: Codec<T> | undefined): BenchFormat<T> {
  const expectedText = new WeakMap<object, string>();
  const canonical = (value: T): string => {
    const key = value as unknown as object;
    let text = expectedText.get(key);
    if (text === undefined) {
      text = JSON.stringify(value);
      expectedText.set(key, text);
    }
    return text;
  };
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    name: "json",
    encodePayload: (value) => JSON.stringify(value),
    codec,
    verify(bytes, expected) {
      try {
        return JSON.stringify(JSON.parse(decoder.decode(bytes))) === canonical(expected);
      } catch {
        return false;
      }
    },
  };
}

/**
 * A binary format given by a codec (known.met): the naive contenders concatenate the codec's chunks
 * into one buffer; verification decodes the stored bytes and checks that re-encoding them gives the
 * expected state's bytes (the codec round-trips byte for byte).
 */
export function createCodecFormat<T>(name: string, codec: Codec<T>): BenchFormat<T> {
  const expectedBytes = new WeakMap<object, Buffer>();
  return {
    name,
    encodePayload: (value) => encodeToBuffer(codec, value),
    codec,
    verify(bytes, expected) {
      const key = expected as unknown as object;
      let want = expectedBytes.get(key);
      if (want === undefined) {
        want = encodeToBuffer(codec, expected);
        expectedBytes.set(key, want);
      }
      try {
        return bytesEqual(encodeToBuffer(codec, codec.decode(bytes)), want);
      } catch {
        return false;
      }
    },
  };
}
