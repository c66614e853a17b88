import { systemClock } from "@snapwrite/core";
import { Follower } from "./follower.js";
import { FollowerLoader } from "./follower-loader.js";
import type { OpenedFollowerStore, OpenFollowerStoreOptions } from "./follower-store-types.js";
import { resolveFollowerPolicy } from "./options.js";

export type {
  FollowerStore,
  OpenedFollowerStore,
  OpenFollowerStoreOptions,
} from "./follower-store-types.js";

/**
 * Opens a read-only copy of a store that another process writes with {@link openDurableStore}:
 * loads the newest snapshot and the journal after it, then every `refresh.intervalMs` applies
 * the records appended since and publishes the new root. When the records it needs were compacted
 * away (a newer snapshot skipped past it) it reloads from that snapshot (`health().reloads`).
 * It never creates, moves, rewrites or deletes a file, takes no lock, and `commit`, `mutate`,
 * `commitExternal` and `compact` refuse with `ERR_READ_ONLY`.
 */
export async function openFollowerStore<S, Op>(
  options: OpenFollowerStoreOptions<S, Op>,
): Promise<OpenedFollowerStore<S, Op>> {
  const policy = resolveFollowerPolicy(options);
  const loader = new FollowerLoader<S, Op>(options, policy, options.clock ?? systemClock);
  const store = new Follower<S, Op>(loader, policy.intervalMs);
  const load = await store.open();
  return { store, load };
}
