export { sqlStateCode } from "./pg-error.js";
export type {
  PostgresDurability,
  PostgresSink,
  PostgresSinkOptions,
  SynchronousCommit,
} from "./postgres-sink.js";
export { openPostgresSink } from "./postgres-sink.js";
export type { PostgresNames } from "./schema-sql.js";
export { schemaSql } from "./schema-sql.js";
