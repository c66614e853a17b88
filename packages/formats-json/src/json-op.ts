/**
 * A point patch of keyed JSON state, addressed by `[collection, key]`:
 * - `put`: store `value` under `key` (added or replaced);
 * - `del`: remove `key`;
 * - `merge`: shallow-merge the plain object `value` into the object stored under `key`;
 * - `clear`: remove every key of `collection`.
 *
 * The same shape as `KeyedOp` of `@snapwrite/store`, whose `applyKeyedOps` applies it.
 */
export type JsonOp<V = unknown> =
  | { readonly op: "put"; readonly collection: string; readonly key: string; readonly value: V }
  | { readonly op: "del"; readonly collection: string; readonly key: string }
  | { readonly op: "merge"; readonly collection: string; readonly key: string; readonly value: V }
  | { readonly op: "clear"; readonly collection: string };

/** Why `decode` of {@link createJsonOpsCodec} rejected its input, as `details.reason`. */
export type JsonOpsCorruptReason =
  | "truncated"
  | "bad-header"
  | "bad-length"
  | "bad-kind"
  | "invalid-utf8"
  | "bad-value"
  | "trailing-data";
