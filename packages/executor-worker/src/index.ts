export type {
  StoreReplicaHold,
  StoreReplicaOptions,
  StoreReplicaSeedInput,
  StoreWorkerReplica,
  StoreWorkerReplicaStats,
} from "./create-store-replica.js";
export { createStoreReplica } from "./create-store-replica.js";
export type { Replica, ReplicaWorkerDefinition } from "./serve-replica.js";
export { serveReplica } from "./serve-replica.js";
export type { StoreReplicaWorkerDefinition } from "./serve-store-replica.js";
export { serveStoreReplica } from "./serve-store-replica.js";
export type { StoreReplicaState } from "./store-state-replica.js";
export { REPLICA_PROTOCOL_VERSION } from "./worker-protocol.js";
export { createWorkerReplica } from "./worker-replica.js";
export { DEFAULT_YOUNG_GENERATION_MB } from "./worker-replica-options.js";
export type {
  WorkerReplica,
  WorkerReplicaCloseOptions,
  WorkerReplicaOptions,
  WorkerReplicaStats,
} from "./worker-replica-types.js";
