import type { KnownFileRecord } from "./known-file-record.js";

/**
 * A point patch of a known.met record list, keyed by the 16-byte MD4 (ed2k) file hash:
 * - `upsert`: put `record` in place of the record with the same hash, or append it;
 * - `remove`: remove the record(s) with `hash`; nothing happens when there is none.
 *
 * `knownMetOps` encodes these; `applyKnownMetOps` applies them.
 */
export type KnownMetOp =
  | { readonly op: "upsert"; readonly record: KnownFileRecord }
  | { readonly op: "remove"; readonly hash: Uint8Array };
