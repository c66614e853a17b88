import { readFileSync } from "node:fs";
import { isPersistenceError, loadTarget } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import { describe, expect, it } from "vitest";
import { createPostgresSink, openPostgresSink, schemaSql, sqlStateCode } from "../src/index.js";
import { toSinkError } from "../src/pg-error.js";
import { adminWithSinks } from "./admin-pool.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();

describe("sqlStateCode", () => {
  it("maps connection loss and serialization failures to transient codes, the rest as documented", () => {
    expect(sqlStateCode("08006")).toBe("ERR_IO");
    expect(sqlStateCode("57P01")).toBe("ERR_IO");
    expect(sqlStateCode("ECONNREFUSED")).toBe("ERR_IO");
    expect(sqlStateCode("40001")).toBe("ERR_BUSY");
    expect(sqlStateCode("40P01")).toBe("ERR_BUSY");
    expect(sqlStateCode("53300")).toBe("ERR_BUSY");
    expect(sqlStateCode("25006")).toBe("ERR_BUSY");
    expect(sqlStateCode("55P03")).toBe("ERR_LOCKED");
    expect(sqlStateCode("53100")).toBe("ERR_NO_SPACE");
    expect(sqlStateCode("42501")).toBe("ERR_PERMISSION");
    expect(sqlStateCode("28P01")).toBe("ERR_PERMISSION");
    expect(sqlStateCode("57014")).toBe("ERR_TIMEOUT");
    expect(sqlStateCode("23505")).toBe("ERR_IO");
    expect(sqlStateCode(undefined)).toBe("ERR_IO");
  });
});

describe("a 57014 (query_canceled) from a statement of the sink", () => {
  const canceled = (message: string) => Object.assign(new Error(message), { code: "57014" });
  // What a server with lc_messages = de_DE says instead of "… due to user request" / "… timeout".
  const GERMAN_CANCEL = "storniere Anfrage wegen Benutzeraufforderung";
  const GERMAN_TIMEOUT = "storniere Anfrage wegen Zeitüberschreitung der Anfrage";

  it("is a permanent ERR_TIMEOUT for a statement timeout and a transient ERR_BUSY for a cancel", () => {
    const timeout = toSinkError(canceled("canceling statement due to statement timeout"), {
      stage: "write",
    });
    expect(timeout.code).toBe("ERR_TIMEOUT");
    expect(timeout.details).toEqual({ sqlState: "57014" });
    const cancel = toSinkError(canceled("canceling statement due to user request"), {
      stage: "lock",
    });
    expect(cancel.code).toBe("ERR_BUSY");
    expect(cancel.details).toEqual({ sqlState: "57014" });
    // The bare SQLSTATE cannot tell them apart.
    expect(sqlStateCode("57014")).toBe("ERR_TIMEOUT");
  });

  it("is a cancel whatever the language when no statement_timeout was in effect", () => {
    const noTimeout = { stage: "write", statementTimeout: false } as const;
    expect(toSinkError(canceled(GERMAN_CANCEL), noTimeout).code).toBe("ERR_BUSY");
    // With a timeout in effect, a message the sink cannot read stays a timeout.
    const withTimeout = { stage: "write", statementTimeout: true } as const;
    expect(toSinkError(canceled(GERMAN_CANCEL), withTimeout).code).toBe("ERR_TIMEOUT");
    expect(toSinkError(canceled(GERMAN_TIMEOUT), withTimeout).code).toBe("ERR_TIMEOUT");
    expect(toSinkError(canceled(GERMAN_TIMEOUT), { stage: undefined }).code).toBe("ERR_TIMEOUT");
  });
});

describe("sql/schema.sql", () => {
  it("is the DDL of schemaSql() for the default names, for DBAs who run it themselves", () => {
    const shipped = readFileSync(new URL("../sql/schema.sql", import.meta.url), "utf8");
    const statements = shipped.replace(/^--.*\n/gm, "");
    expect(statements).toBe(schemaSql());
  });
});

function bytes(length: number, tag: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + tag * 7) & 0xff;
  return out;
}

if (server !== undefined) {
  const { admin, sinks } = adminWithSinks(server.url);
  let schemas = 0;
  async function open(options: Partial<Parameters<typeof openPostgresSink>[0]> = {}) {
    const sink = await openPostgresSink({
      connectionString: server?.url,
      schema: `unit_${schemas}`,
      chunkBytes: 4096,
      ...options,
    });
    sinks.push(sink);
    return sink;
  }
  async function orphanRows(schema: string): Promise<number> {
    const result = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".snapwrite_chunk c
        WHERE NOT EXISTS (SELECT 1 FROM "${schema}".snapwrite_head h
                           WHERE h.target = c.target AND c.version IN (h.version, h.prev_version))
          AND NOT EXISTS (SELECT 1 FROM "${schema}".snapwrite_quarantine q WHERE q.version = c.version)`,
    );
    return Number(result.rows[0]?.n);
  }

  describe("postgres sink", () => {
    it("draws a newer epoch for every sink opened, and a newer owner fences the older one", async () => {
      schemas += 1;
      const older = await open();
      const newer = await open();
      expect(newer.epoch).toBeGreaterThan(older.epoch);
      await older.write("state.bin", [bytes(100, 1)], { generation: 50 });
      await newer.write("state.bin", [bytes(200, 2)], { generation: 1 });
      let pulled = false;
      const source = (function* () {
        pulled = true;
        yield bytes(300, 3);
      })();
      const error = await rejection(older.write("state.bin", source, { generation: 51 }));
      expect(error.code).toBe("ERR_STALE");
      expect(error.stage).toBe("rename");
      expect(error.details).toMatchObject({
        epoch: older.epoch,
        generation: 51,
        storedEpoch: newer.epoch,
        storedGeneration: 1,
      });
      // The early fence: the stale writer never uploaded its snapshot.
      expect(pulled).toBe(false);
      expect(await newer.read("state.bin")).toEqual(bytes(200, 2));
      expect(await older.read("state.bin", { from: "backup" })).toEqual(bytes(100, 1));
    });

    it("reports durable writes on a server with fsync on, and not with synchronous_commit off", async () => {
      schemas += 1;
      const sink = await open();
      expect(sink.capabilities).toEqual({
        atomicReplace: true,
        durable: true,
        backup: true,
        crossProcessLock: true,
        fencing: true,
      });
      expect(sink.durability).toBe("local");
      const lax = await open({ synchronousCommit: "off" });
      expect(lax.capabilities.durable).toBe(false);
      expect((await lax.write("a.bin", [bytes(10, 1)])).durable).toBe(false);
    });

    it("stores chunk rows of at most chunkBytes and leaves no orphan rows after many writes", async () => {
      schemas += 1;
      const sink = await open({ chunkBytes: 1000 });
      for (let g = 1; g <= 5; g++) {
        await sink.write("rows.bin", [bytes(2500, g), bytes(10, g), bytes(1700, g)], {
          generation: g,
        });
      }
      const rows = await admin.query<{ n: string; max: number }>(
        `SELECT count(*) AS n, max(octet_length(data)) AS max FROM "unit_${schemas}".snapwrite_chunk`,
      );
      // Two versions are kept (primary and backup), 5 rows each.
      expect(Number(rows.rows[0]?.n)).toBe(10);
      expect(rows.rows[0]?.max).toBe(1000);
      expect(await orphanRows(`unit_${schemas}`)).toBe(0);
    });

    it("aborts a write mid-stream: ERR_ABORTED, old content kept, nothing left behind", async () => {
      schemas += 1;
      const sink = await open();
      await sink.write("abort.bin", [bytes(5000, 1)]);
      const controller = new AbortController();
      async function* slow() {
        for (let i = 0; i < 100; i++) {
          yield bytes(4096, i);
          if (i === 3) controller.abort(new Error("owner gave up"));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      const error = await rejection(sink.write("abort.bin", slow(), { signal: controller.signal }));
      expect(error.code).toBe("ERR_ABORTED");
      expect(await sink.read("abort.bin")).toEqual(bytes(5000, 1));
      // The next write on the same sink still works (the destroyed connection was discarded).
      await sink.write("abort.bin", [bytes(10, 9)]);
      expect(await sink.read("abort.bin")).toEqual(bytes(10, 9));
      expect(await orphanRows(`unit_${schemas}`)).toBe(0);
    });

    it("reports a terminated backend mid-write as transient ERR_IO, and the retry lands", async () => {
      schemas += 1;
      const sink = await open({ connectionString: `${server.url}?application_name=victim` });
      await sink.write("kill.bin", [bytes(100, 1)]);
      let killed = false;
      async function* slow() {
        for (let i = 0; i < 20; i++) {
          yield bytes(4096, i);
          if (i === 2) {
            await admin.query(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim' AND state <> 'idle'",
            );
            killed = true;
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      const error = await rejection(sink.write("kill.bin", slow()));
      expect(killed).toBe(true);
      expect(error.code).toBe("ERR_IO");
      expect(await sink.read("kill.bin")).toEqual(bytes(100, 1));
      await sink.write("kill.bin", [bytes(300, 2)]);
      expect(await sink.read("kill.bin")).toEqual(bytes(300, 2));
      expect(await orphanRows(`unit_${schemas}`)).toBe(0);
    });

    it("survives a backend terminated while it opens: a typed ERR_IO, not an unhandled error event", async () => {
      schemas += 1;
      const schema = `unit_${schemas}`;
      // Hold the migration's advisory lock, so the opening sink waits inside migrate() on a
      // checked-out connection; then terminate that connection's backend.
      const holder = await admin.connect();
      try {
        await holder.query("BEGIN");
        await holder.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
          `snapwrite-migrate:${schema}.snapwrite`,
        ]);
        const opening = open({
          schema,
          connectionString: `${server.url}?application_name=opening-victim`,
        });
        const opened = opening.then(
          () => undefined,
          (error: unknown) => error,
        );
        const deadline = Date.now() + 10_000;
        let terminated = 0;
        while (terminated === 0 && Date.now() < deadline) {
          const result = await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'opening-victim' AND wait_event_type = 'Lock'",
          );
          terminated = result.rowCount ?? 0;
          if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(terminated).toBe(1);
        const error = await opened;
        expect(isPersistenceError(error) && error.code).toBe("ERR_IO");
      } finally {
        await holder.query("ROLLBACK");
        holder.release();
      }
      // The lock is free now: the next open migrates and writes.
      const sink = await open({ schema });
      await sink.write("after.bin", [bytes(10, 1)]);
      expect(await sink.read("after.bin")).toEqual(bytes(10, 1));
    });

    it("detects a tampered chunk row as ERR_CORRUPT, and loadTarget quarantines it and falls back to the backup", async () => {
      schemas += 1;
      const sink = await open();
      await sink.write("doc.json", [new TextEncoder().encode('{"v":1}')], { generation: 1 });
      await sink.write("doc.json", [new TextEncoder().encode('{"v":2}')], { generation: 2 });
      await admin.query(
        `UPDATE "unit_${schemas}".snapwrite_chunk SET data = '\\x7b7d'
          WHERE version = (SELECT version FROM "unit_${schemas}".snapwrite_head WHERE target = 'doc.json')`,
      );
      const error = await rejection(sink.read("doc.json"));
      expect(error.code).toBe("ERR_CORRUPT");
      const codec = {
        name: "json",
        encode: (value: unknown) => [new TextEncoder().encode(JSON.stringify(value))],
        decode: (raw: Uint8Array) => JSON.parse(new TextDecoder().decode(raw)) as unknown,
      };
      const loaded = await loadTarget(sink, "doc.json", codec);
      expect(loaded).toMatchObject({ ok: true, source: "backup", value: { v: 1 } });
      expect(loaded.ok && loaded.quarantinedTo).toMatch(
        new RegExp(`^postgres:unit_${schemas}\\.snapwrite_quarantine/\\d+$`),
      );
      // The fence survives the quarantine: an older generation is still refused.
      expect((await rejection(sink.write("doc.json", [bytes(1, 1)], { generation: 1 }))).code).toBe(
        "ERR_STALE",
      );
      await sink.write("doc.json", [new TextEncoder().encode('{"v":3}')], { generation: 3 });
      expect(await loadTarget(sink, "doc.json", codec)).toMatchObject({
        ok: true,
        value: { v: 3 },
      });
      expect(await orphanRows(`unit_${schemas}`)).toBe(0);
    });

    it("ends the session of a writer stalled mid-write, so the next owner is not blocked by its row lock", async () => {
      schemas += 1;
      const paused = await open({ idleInTransactionTimeoutMs: 300 });
      await paused.write("lease.bin", [bytes(100, 1)], { generation: 1 });
      let resume = () => {};
      const gate = new Promise<void>((resolve) => {
        resume = resolve;
      });
      let holding = false;
      async function* stalled() {
        yield bytes(5000, 2);
        holding = true;
        await gate;
        yield bytes(5000, 3);
      }
      const stalledWrite = rejection(paused.write("lease.bin", stalled(), { generation: 2 }));
      while (!holding) await new Promise((resolve) => setTimeout(resolve, 5));
      const owner = await open();
      await owner.write("lease.bin", [bytes(200, 4)], { generation: 1 });
      resume();
      expect((await stalledWrite).code).toBe("ERR_IO");
      expect(
        (await rejection(paused.write("lease.bin", [bytes(1, 5)], { generation: 3 }))).code,
      ).toBe("ERR_STALE");
      expect(await owner.read("lease.bin")).toEqual(bytes(200, 4));
      expect(await orphanRows(`unit_${schemas}`)).toBe(0);
    });

    it("refuses bad options with a TypeError or RangeError", async () => {
      await expect(openPostgresSink({} as never)).rejects.toThrow(TypeError);
      await expect(
        openPostgresSink({ connectionString: server.url, table: 'x"; drop' }),
      ).rejects.toThrow(TypeError);
      await expect(
        openPostgresSink({ connectionString: server.url, chunkBytes: 0 }),
      ).rejects.toThrow(RangeError);
      await expect(
        openPostgresSink({ connectionString: server.url, bogus: 1 } as never),
      ).rejects.toThrow(/unknown option/);
      schemas += 1;
      const sink = await open();
      const error = await rejection(sink.write("t", [bytes(1, 1)], { generation: -1 }));
      expect(error.code).toBe("ERR_INVALID_TARGET");
      expect(error.message).toBe("generation must be a non-negative safe integer, got -1");
    });

    it("createPostgresSink checks options at once and opens in the background", async () => {
      expect(() => createPostgresSink({} as never)).toThrow(TypeError);
      expect(() => createPostgresSink({ connectionString: server.url, chunkBytes: 0 })).toThrow(
        RangeError,
      );
      const older = createPostgresSink({ connectionString: server.url, schema: "lazy" });
      expect(older.epoch).toBeUndefined();
      await older.write("t", [bytes(10, 1)], { generation: 5 });
      expect(older.epoch).toBe((await older.ready).epoch);
      const newer = createPostgresSink({ connectionString: server.url, schema: "lazy" });
      await newer.write("t", [bytes(10, 2)], { generation: 1 });
      const stale = await rejection(older.write("t", [bytes(10, 3)], { generation: 6 }));
      expect(stale.code).toBe("ERR_STALE");
      expect(await newer.read("t")).toEqual(bytes(10, 2));
      await older.close();
      await newer.close();
    });

    it("createPostgresSink rejects every call with the typed open error when no server listens", async () => {
      const sink = createPostgresSink({
        connectionString: "postgres://postgres@127.0.0.1:1/postgres",
      });
      const error = await rejection(sink.read("t"));
      expect(error.code).toBe("ERR_IO");
      expect(error.stage).toBe("open");
      await sink.close();
    });

    it("fails to open with a typed transient error when no server listens", async () => {
      const error = await rejection(
        openPostgresSink({ connectionString: "postgres://postgres@127.0.0.1:1/postgres" }),
      );
      expect(error.code).toBe("ERR_IO");
      expect(error.stage).toBe("open");
    });
  });
}
