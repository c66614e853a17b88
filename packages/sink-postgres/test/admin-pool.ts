import pg from "pg";
import { afterAll } from "vitest";
import type { PostgresSink } from "../src/index.js";

/**
 * An admin pool on the test server and a list of sinks to close, both cleaned up after the file's
 * tests (sinks first, then the pool).
 */
export function adminWithSinks(url: string): { admin: pg.Pool; sinks: PostgresSink[] } {
  const admin = new pg.Pool({ connectionString: url, max: 4 });
  admin.on("error", () => undefined);
  const sinks: PostgresSink[] = [];
  afterAll(async () => {
    for (const sink of sinks) await sink.close();
    await admin.end();
  });
  return { admin, sinks };
}
