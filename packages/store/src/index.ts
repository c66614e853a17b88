export { applyKeyedOps } from "./apply-keyed-ops.js";
export { openDurableStore } from "./durable-store/open-durable-store.js";
export type {
  CommitFailed,
  CommitResult,
  CommitSucceeded,
  CommitTicket,
  DurableStore,
  DurableStoreHealth,
  DurableStoreState,
  MutateTicket,
  OpenDurableStoreOptions,
  OpenedDurableStore,
  Replay,
  ReplayRun,
  StoreCloseReport,
  StoreCommand,
  StoreCompactReport,
  StoreEvent,
  StoreFilesOptions,
  StoreLoadReport,
  StoreRoot,
} from "./durable-store-types.js";
export type {
  FollowerStore,
  OpenedFollowerStore,
  OpenFollowerStoreOptions,
} from "./follower-store/open-follower-store.js";
export { openFollowerStore } from "./follower-store/open-follower-store.js";
export type { KeyedCollections } from "./keyed-collections.js";
export {
  emptyCollections,
  getCollection,
  getEntry,
  withCollection,
} from "./keyed-collections.js";
export type { KeyedCollectionsCodecOptions } from "./keyed-collections-codec.js";
export { createKeyedCollectionsCodec } from "./keyed-collections-codec.js";
export type { KeyedOp } from "./keyed-op.js";
export { replayKeyedOps } from "./keyed-replay.js";
export type { KeyedReplicaState, KeyedReplicaStateOptions } from "./keyed-replica-state.js";
export { createKeyedReplicaState } from "./keyed-replica-state.js";
export type { KeyedDraft, KeyedState } from "./keyed-state.js";
export { createKeyedState, isKeyedState } from "./keyed-state.js";
export type {
  StoreReplica,
  StoreReplicaSeed,
  StoreReplicaSnapshot,
} from "./store-replica.js";
