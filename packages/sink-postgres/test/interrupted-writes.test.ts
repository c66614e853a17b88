// Writes interrupted from outside: a statement cancelled by an administrator (`pg_cancel_backend`)
// is transient, unlike a statement timeout; a session that ends between two statements of a write
// (terminated, or ended by the idle-in-transaction timeout) is reported with the server's reason.
import { type Codec, createPersistenceWriter, type WriteResult } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgresSink, type PostgresSink } from "../src/index.js";
import { adminWithSinks } from "./admin-pool.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();

function bytes(length: number, tag: number): Uint8Array {
  return new Uint8Array(length).fill(tag);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One byte, the state's number. */
const codec: Codec<number> = {
  name: "byte",
  encode: (value) => [Uint8Array.of(value)],
  decode: (raw) => raw[0] as number,
};

if (server !== undefined) {
  const { admin, sinks } = adminWithSinks(server.url);
  let tables = 0;
  const open = async (
    app: string,
    options: Partial<Parameters<typeof openPostgresSink>[0]> = {},
  ): Promise<PostgresSink> => {
    tables += 1;
    const sink = await openPostgresSink({
      connectionString: `${server.url}?application_name=${app}`,
      table: `interrupted_${tables}`,
      chunkBytes: 4096,
      ...options,
    });
    sinks.push(sink);
    return sink;
  };
  /** A client holding the head row of `target` locked, as another instance's write would. */
  const lockHead = async (table: string, target: string): Promise<pg.Client> => {
    const blocker = new pg.Client({ connectionString: server.url });
    blocker.on("error", () => undefined);
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(`SELECT 1 FROM ${table}_head WHERE target = $1 FOR UPDATE`, [target]);
    return blocker;
  };
  const waitingForLock = async (app: string): Promise<boolean> => {
    const rows = await admin.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [app],
    );
    return (rows.rowCount ?? 0) > 0;
  };

  describe("a write cancelled on the server", () => {
    it("is a transient ERR_BUSY after pg_cancel_backend: the writer retries and lands once the lock is free", async () => {
      // A statement_timeout is set, so only the server's message tells the cancel from a timeout.
      const sink = await open("cancelled", { statementTimeoutMs: 600_000 });
      await sink.write("c.bin", [bytes(5, 0)], { generation: 0 });
      const blocker = await lockHead(`interrupted_${tables}`, "c.bin");
      const results: WriteResult[] = [];
      const writer = createPersistenceWriter({
        sink,
        retry: { initialMs: 20, maxMs: 200 },
        onResult: (result) => results.push(result),
      });
      const handle = writer.register("c.bin", { snapshot: () => 7, codec, debounceMs: 0 });
      try {
        const first = handle.saveNow("first");
        await until("the write to wait for the head row's lock", () => waitingForLock("cancelled"));
        const cancelled = await admin.query(
          "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'cancelled' AND wait_event_type = 'Lock'",
        );
        expect(cancelled.rowCount).toBe(1);
        const failed = await first;
        if (failed.ok) throw new Error("the cancelled write succeeded");
        expect(failed.error.code).toBe("ERR_BUSY");
        expect(failed.error.stage).toBe("lock");
        expect(failed.error.details).toEqual({ sqlState: "57014" });
        expect(failed.willRetry).toBe(true);
        // The retry waits for the lock again; it lands once the other transaction ends.
        await until("the retry to wait for the lock", () => waitingForLock("cancelled"));
        await blocker.query("ROLLBACK");
        await until("a successful retry", () => results.some((result) => result.ok));
        expect(codec.decode(await sink.read("c.bin"))).toBe(7);
        expect(handle.state.unsaved).toBe(false);
      } finally {
        await blocker.end();
        await writer.close({ timeoutMs: 10_000 });
      }
    }, 30_000);

    it("stays a permanent ERR_TIMEOUT when the write's own statementTimeoutMs runs out", async () => {
      const sink = await open("timed-out", { statementTimeoutMs: 200 });
      await sink.write("t.bin", [bytes(5, 1)], { generation: 1 });
      const blocker = await lockHead(`interrupted_${tables}`, "t.bin");
      try {
        const error = await rejection(sink.write("t.bin", [bytes(5, 2)], { generation: 2 }));
        expect(error.code).toBe("ERR_TIMEOUT");
        expect(error.stage).toBe("lock");
        expect(error.details).toEqual({ sqlState: "57014" });
      } finally {
        await blocker.query("ROLLBACK");
        await blocker.end();
      }
      expect(await sink.read("t.bin")).toEqual(bytes(5, 1));
    });
  });

  describe("a write whose session ends between two of its statements", () => {
    /**
     * A pool of the test's own, so that it sees the moment a checked-out connection reports the
     * end of its session: the write's chunk source yields its next chunk only after that.
     */
    const watchedPool = (app: string) => {
      const pool = new pg.Pool({ connectionString: `${server.url}?application_name=${app}` });
      const ended: unknown[] = [];
      const onError = (error: unknown) => ended.push(error);
      pool.on("acquire", (client) => client.on("error", onError));
      pool.on("release", (_error, client) => client.off("error", onError));
      return { pool, ended };
    };

    it("reports the idle-in-transaction timeout that ended it while the write waited for its chunk source", async () => {
      const { pool, ended } = watchedPool("idle-victim");
      try {
        const sink = await open("idle-victim", {
          connectionString: undefined,
          pool,
          idleInTransactionTimeoutMs: 500,
          chunkBytes: 10,
        });
        await sink.write("idle.bin", [bytes(3, 9)], { generation: 1 });
        async function* paused() {
          yield bytes(10, 1);
          await until("the server to end the idle session", () => ended.length > 0);
          yield bytes(10, 2);
        }
        const error = await rejection(sink.write("idle.bin", paused(), { generation: 2 }));
        expect(error.code).toBe("ERR_IO");
        expect(error.stage).toBe("write");
        expect(error.details).toEqual({ sqlState: "25P03" });
        expect(error.cause).toBe(ended[0]);
        expect((error.cause as { code?: unknown }).code).toBe("25P03");
        expect(error.message).not.toMatch(/not queryable/);
        expect(await sink.read("idle.bin")).toEqual(bytes(3, 9));
        await sink.write("idle.bin", [bytes(3, 7)], { generation: 3 });
        expect(await sink.read("idle.bin")).toEqual(bytes(3, 7));
        await sink.close();
      } finally {
        await pool.end();
      }
    });

    it("reports the server's 57P01 when the backend is terminated between two chunk rows", async () => {
      const { pool, ended } = watchedPool("terminated-victim");
      try {
        const sink = await open("terminated-victim", { connectionString: undefined, pool });
        await sink.write("kill.bin", [bytes(100, 1)], { generation: 1 });
        async function* terminated() {
          yield bytes(4096, 2);
          // The first row is stored and the session waits, idle in its transaction: end it now.
          await until("the first chunk row to be stored", async () => {
            const rows = await admin.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = 'terminated-victim' AND state = 'idle in transaction'",
            );
            return (rows.rowCount ?? 0) > 0;
          });
          await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'terminated-victim' AND state = 'idle in transaction'",
          );
          await until("the connection to report the end of its session", () => ended.length > 0);
          yield bytes(4096, 3);
        }
        const error = await rejection(sink.write("kill.bin", terminated(), { generation: 2 }));
        expect(error.code).toBe("ERR_IO");
        expect(error.stage).toBe("write");
        expect(error.details).toEqual({ sqlState: "57P01" });
        expect(error.cause).toBe(ended[0]);
        expect(error.message).not.toMatch(/not queryable/);
        expect(await sink.read("kill.bin")).toEqual(bytes(100, 1));
        await sink.write("kill.bin", [bytes(300, 4)], { generation: 3 });
        expect(await sink.read("kill.bin")).toEqual(bytes(300, 4));
        await sink.close();
      } finally {
        await pool.end();
      }
    });
  });
}
