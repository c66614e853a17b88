export type { Replica, ReplicaWorkerDefinition } from "./serve-replica.js";
export { serveReplica } from "./serve-replica.js";
export { REPLICA_PROTOCOL_VERSION } from "./worker-protocol.js";
export { createWorkerReplica } from "./worker-replica.js";
export type {
  WorkerReplica,
  WorkerReplicaCloseOptions,
  WorkerReplicaOptions,
  WorkerReplicaStats,
} from "./worker-replica-types.js";
