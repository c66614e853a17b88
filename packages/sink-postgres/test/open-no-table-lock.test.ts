// Opening a sink while other instances write: the open looks the schema up in the catalog and takes
// no lock on any table when it is there; a migration that has to wait is bounded on the server too.
// Sinks with other tables opening at once in a schema that does not exist yet all create it.
import { serverForThisFile } from "@snapwrite/testkit/contract";
import { describe, expect, it } from "vitest";
import { openPostgresSink, type PostgresSink } from "../src/index.js";
import { adminWithSinks } from "./admin-pool.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();

if (server !== undefined) {
  const { admin, sinks } = adminWithSinks(server.url);
  const open = async (schema: string, openTimeoutMs = 5_000): Promise<PostgresSink> => {
    const sink = await openPostgresSink({ connectionString: server.url, schema, openTimeoutMs });
    sinks.push(sink);
    return sink;
  };

  /** Runs `body` while another session holds the lock every chunk INSERT takes, as a write does. */
  async function whileWriting<T>(schema: string, body: () => Promise<T>): Promise<T> {
    const holder = await admin.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE "${schema}".snapwrite_chunk IN ROW EXCLUSIVE MODE`);
      return await body();
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
  }

  async function waitingMigrations(schema: string): Promise<number> {
    const result = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE $1`,
      [`%snapwrite-migrate:${schema}.%`],
    );
    return Number(result.rows[0]?.n);
  }

  describe("sinks opening at once", () => {
    it("with different tables in a schema that does not exist yet: every one opens", async () => {
      for (let round = 0; round < 3; round++) {
        const schema = `fresh_${round}`;
        const opens = await Promise.allSettled(
          [0, 1, 2, 3].map((i) =>
            openPostgresSink({ connectionString: server.url, schema, table: `app${i}`, max: 1 }),
          ),
        );
        for (const opened of opens) if (opened.status === "fulfilled") sinks.push(opened.value);
        const failures = opens.flatMap((opened) =>
          opened.status === "rejected" ? [String(opened.reason)] : [],
        );
        expect(failures).toEqual([]);
        for (const [i, opened] of opens.entries()) {
          const sink = (opened as PromiseFulfilledResult<PostgresSink>).value;
          await sink.write("t", [Buffer.from(`app${i}`)]);
          expect(Buffer.from(await sink.read("t")).toString()).toBe(`app${i}`);
        }
      }
    });
  });

  describe("opening a sink while others write", () => {
    it("does not wait for a write in flight when the schema is there", async () => {
      const first = await open("busy");
      await first.write("t", [Buffer.from("one")]);
      const second = await whileWriting("busy", () => open("busy", 3_000));
      expect(second.epoch).toBeGreaterThan(first.epoch);
      expect(Buffer.from(await second.read("t")).toString()).toBe("one");
    });

    it("creates only what is missing: a dropped index comes back", async () => {
      await open("repair");
      await admin.query(`DROP INDEX "repair".snapwrite_chunk_target`);
      const sink = await open("repair");
      const index = await admin.query(`SELECT to_regclass('"repair".snapwrite_chunk_target') AS i`);
      expect(index.rows[0]?.i).not.toBeNull();
      await sink.write("t", [Buffer.from("two")]);
      expect(Buffer.from(await sink.read("t")).toString()).toBe("two");
    });

    it("a migration that timed out leaves no statement of its own waiting on the server", async () => {
      await open("stuck");
      await admin.query(`DROP INDEX "stuck".snapwrite_chunk_target`);
      await whileWriting("stuck", async () => {
        const error = await rejection(open("stuck", 400));
        expect(error.code).toBe("ERR_TIMEOUT");
        expect(error.stage).toBe("open");
        // The server cancels the migration itself (statement_timeout), while the write goes on.
        const deadline = Date.now() + 5_000;
        while ((await waitingMigrations("stuck")) > 0) {
          if (Date.now() > deadline) throw new Error("the timed-out migration still waits");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      // Once the write is done, an open repairs the index.
      await open("stuck");
      const index = await admin.query(`SELECT to_regclass('"stuck".snapwrite_chunk_target') AS i`);
      expect(index.rows[0]?.i).not.toBeNull();
    });
  });
}
