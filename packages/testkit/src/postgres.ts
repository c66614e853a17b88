export type { PgAvailability, PgServer } from "./postgres/pg-server.js";
export { pgAvailability, requirePostgres, startPgServer } from "./postgres/pg-server.js";
