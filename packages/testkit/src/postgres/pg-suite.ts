// Shared set-up of the test files: one throwaway server per file, started at collection time (the
// contract suites probe capabilities while collecting), or a visible skip when none can start.
import { afterAll, it } from "vitest";
import { type PgServer, pgAvailability, requirePostgres, startPgServer } from "./pg-server.js";

/** Starts this file's server, or returns `undefined` after registering a visible skip. */
export async function serverForThisFile(
  options: { fsync?: boolean } = {},
): Promise<PgServer | undefined> {
  const availability = pgAvailability();
  if (!availability.available) {
    if (requirePostgres()) {
      throw new Error(`SNAPWRITE_REQUIRE_POSTGRES=1 but ${availability.reason}`);
    }
    it.skip(`needs a PostgreSQL server: ${availability.reason}`, () => {});
    return undefined;
  }
  const server = await startPgServer(options);
  afterAll(() => server.stop());
  return server;
}
