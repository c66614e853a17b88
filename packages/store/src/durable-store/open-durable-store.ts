import type { OpenDurableStoreOptions, OpenedDurableStore } from "../durable-store-types.js";
import { checkStoreFilesOptions } from "../durable-store-types.js";
import { checkDurableStoreKeys } from "../option-keys.js";
import { checkCompactionOptions } from "./compaction-options.js";
import { resolveDurability, resolveStorePolicy } from "./policy.js";
import { Store } from "./store.js";
import { StoreCore } from "./store-core.js";

/**
 * Opens a durable store in `dir`: loads the newest good snapshot (falling back to the previous one
 * when the newest does not decode), replays the journal records after it (sliced, so the event
 * loop keeps running), and resolves with the store and what the load found.
 */
export async function openDurableStore<S, Op>(
  options: OpenDurableStoreOptions<S, Op>,
): Promise<OpenedDurableStore<S, Op>> {
  checkStoreFilesOptions(options, "openDurableStore");
  checkDurableStoreKeys(options);
  const durability = resolveDurability(options);
  checkCompactionOptions(options);
  const policy = resolveStorePolicy(options);
  const store = new Store<S, Op>(new StoreCore<S, Op>(options, policy, durability));
  const load = await store.open();
  return { store, load };
}
