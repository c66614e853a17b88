/**
 * A point patch of {@link KeyedCollections}, addressed by `[collection, key]`:
 * - `put`: store `value` under `key` (added or replaced);
 * - `del`: remove `key` (nothing happens when it is absent);
 * - `merge`: shallow-merge the plain object `value` into the plain object stored under `key` (or
 *   store a copy of `value` when the key is absent);
 * - `clear`: remove every key of `collection`.
 *
 * The same shape as `JsonOp` of `@snapwrite/formats-json`, whose `createJsonOpsCodec()` encodes it.
 */
export type KeyedOp<V = unknown> =
  | { readonly op: "put"; readonly collection: string; readonly key: string; readonly value: V }
  | { readonly op: "del"; readonly collection: string; readonly key: string }
  | { readonly op: "merge"; readonly collection: string; readonly key: string; readonly value: V }
  | { readonly op: "clear"; readonly collection: string };
