export type { LazyPostgresSink } from "./create-postgres-sink.js";
export { createPostgresSink } from "./create-postgres-sink.js";
export { drawPostgresEpoch } from "./draw-epoch.js";
export { sqlStateCode } from "./pg-error.js";
export type { PostgresSink } from "./postgres-sink.js";
export { openPostgresSink } from "./postgres-sink.js";
export type {
  PostgresDurability,
  PostgresSinkOptions,
  SynchronousCommit,
} from "./postgres-sink-options.js";
export type { PostgresNames } from "./schema-sql.js";
export { schemaSql } from "./schema-sql.js";
