// Writes interrupted from outside: a statement cancelled by an administrator (`pg_cancel_backend`)
// is transient, unlike a statement timeout.
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
}
