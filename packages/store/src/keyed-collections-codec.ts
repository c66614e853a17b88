import { type Codec, isPersistenceError, PersistenceError } from "@snapwrite/core";
import { emptyCollections, type KeyedCollections, withCollection } from "./keyed-collections.js";
import { createKeyedState } from "./keyed-state.js";

/** Options of {@link createKeyedCollectionsCodec}. */
export interface KeyedCollectionsCodecOptions {
  /**
   * The codec of the plain value `{ [collection]: [[key, value], …] }` (keys in order): for example
   * `createJsonCodec({ version: 1 })` of `@snapwrite/formats-json`, which streams it in bounded steps.
   */
  readonly json: Codec<unknown>;
  /** The codec's name. Default `"keyed-collections"`. */
  readonly name?: string | undefined;
}

/**
 * The snapshot codec of a store whose state is {@link KeyedCollections} (the state `applyKeyedOps`
 * and the JSON ops codec work on): each collection as its `[key, value]` pairs in key order, through
 * the given value codec. A decoded value of the wrong shape is `ERR_CORRUPT` (`details.offset` 0,
 * `details.reason: "shape"`); the value codec's own errors pass through.
 */
export function createKeyedCollectionsCodec(
  options: KeyedCollectionsCodecOptions,
): Codec<KeyedCollections> {
  const json = options?.json;
  if (typeof json !== "object" || json === null || typeof json.encode !== "function") {
    throw new TypeError("createKeyedCollectionsCodec: json must be a Codec");
  }
  const name = options.name ?? "keyed-collections";
  return {
    name,
    encode: (state) =>
      json.encode(Object.fromEntries(Object.entries(state).map(([key, c]) => [key, [...c]]))),
    decode(bytes) {
      const value = json.decode(bytes);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw shapeError(name, "the snapshot is not an object of collections");
      }
      let state = emptyCollections();
      for (const [collection, entries] of Object.entries(value)) {
        try {
          state = withCollection(state, collection, createKeyedState(entries as never));
        } catch (error) {
          if (isPersistenceError(error)) throw error;
          throw shapeError(
            name,
            `collection ${JSON.stringify(collection)}: ${String(error)}`,
            error,
          );
        }
      }
      return state;
    },
  };
}

function shapeError(codec: string, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", `${codec}: ${message}`, {
    details: { offset: 0, reason: "shape" },
    cause,
  });
}
