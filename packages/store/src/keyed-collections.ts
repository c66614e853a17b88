import { createKeyedState, type KeyedState } from "./keyed-state.js";

/**
 * Named collections of keyed values: a frozen record (without a prototype, so a collection may be
 * called `constructor` or `__proto__`) from collection name to {@link KeyedState}. A collection
 * with no entries is absent.
 */
export type KeyedCollections<V = unknown> = Readonly<Record<string, KeyedState<V>>>;

/** The empty {@link KeyedCollections}. */
export function emptyCollections<V = unknown>(): KeyedCollections<V> {
  return Object.freeze(Object.create(null) as Record<string, KeyedState<V>>);
}

/** The collection named `collection`, or an empty one. */
export function getCollection<V>(state: KeyedCollections<V>, collection: string): KeyedState<V> {
  return Object.hasOwn(state, collection)
    ? (state[collection] as KeyedState<V>)
    : createKeyedState<V>();
}

/** The value under `[collection, key]`, or `undefined`. */
export function getEntry<V>(
  state: KeyedCollections<V>,
  collection: string,
  key: string,
): V | undefined {
  return Object.hasOwn(state, collection) ? state[collection]?.get(key) : undefined;
}

/**
 * A copy of `state` with `collection` replaced by `next` (removed when `next` is empty). O(number
 * of collections): the collections themselves are shared, never copied.
 */
export function withCollection<V>(
  state: KeyedCollections<V>,
  collection: string,
  next: KeyedState<V>,
): KeyedCollections<V> {
  const copy = Object.create(null) as Record<string, KeyedState<V>>;
  for (const name of Object.keys(state)) {
    if (name !== collection) copy[name] = state[name] as KeyedState<V>;
  }
  if (next.size > 0) copy[collection] = next;
  return Object.freeze(copy);
}
