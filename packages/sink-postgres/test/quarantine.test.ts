// The load path must never quarantine an acknowledged newer snapshot: a write that lands between
// loadTarget's read and the quarantine's move (from this sink or another instance) is kept.
import {
  type Codec,
  loadTarget,
  PersistenceError as PersistenceErrorClass,
  type Sink,
} from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresSink, type PostgresSink } from "../src/index.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decodes `OK:<n>` to n; anything else is the codec's own ERR_CORRUPT. */
const codec: Codec<number> = {
  name: "ok-number",
  *encode(value: number) {
    yield encoder.encode(`OK:${value}`);
  },
  decode(bytes: Uint8Array): number {
    const text = decoder.decode(bytes);
    if (!text.startsWith("OK:")) {
      throw new PersistenceErrorClass("ERR_CORRUPT", "bad magic", {
        details: { offset: 0, reason: "bad magic" },
      });
    }
    return Number(text.slice(3));
  },
};
const good = (n: number) => [encoder.encode(`OK:${n}`)];

if (server !== undefined) {
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on("error", () => undefined);
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await admin.end();
  });
  let schemas = 0;

  /**
   * A user pool whose next checkout (`connect()` without a callback: the quarantine's transaction;
   * `pool.query` passes one) first runs `hook`: a write made there lands exactly between the
   * load's read and the quarantine's move.
   */
  function hookedPool() {
    const pool = new pg.Pool({ connectionString: server?.url, max: 2 });
    pool.on("error", () => undefined);
    closers.push(() => pool.end());
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    let hook: (() => Promise<void>) | undefined;
    pool.connect = ((...args: unknown[]) => {
      const run = hook;
      if (args.length > 0 || run === undefined) return connect(...args);
      hook = undefined;
      return run().then(() => connect());
    }) as typeof pool.connect;
    return { pool, beforeNextCheckout: (next: () => Promise<void>) => (hook = next) };
  }

  async function open(schema: string, pool?: pg.Pool): Promise<PostgresSink> {
    const sink = await openPostgresSink(
      pool === undefined ? { connectionString: server?.url, schema } : { pool, schema },
    );
    closers.push(() => sink.close());
    return sink;
  }

  async function head(schema: string, target: string) {
    const result = await admin.query<{ version: string | null; prev: string | null }>(
      `SELECT version, prev_version AS prev FROM "${schema}".snapwrite_head WHERE target = $1`,
      [target],
    );
    return result.rows[0];
  }

  async function quarantined(schema: string): Promise<string[]> {
    const result = await admin.query<{ version: string }>(
      `SELECT version FROM "${schema}".snapwrite_quarantine ORDER BY id`,
    );
    return result.rows.map((row) => row.version);
  }

  async function flipByte(schema: string, target: string): Promise<void> {
    await admin.query(
      `UPDATE "${schema}".snapwrite_chunk SET data = set_byte(data, 0, (get_byte(data, 0) + 1) % 256)
        WHERE version = (SELECT version FROM "${schema}".snapwrite_head WHERE target = $1)`,
      [target],
    );
  }

  describe("quarantine on the load path", () => {
    it("keeps a write of the same sink, in flight during the load's read, acknowledged after it", async () => {
      schemas += 1;
      const schema = `quar_${schemas}`;
      const sink = await open(schema);
      await sink.write("q.bin", good(1), { generation: 1 });
      await sink.write("q.bin", good(2), { generation: 2 });
      await flipByte(schema, "q.bin");
      const read = await rejection(sink.read("q.bin"));
      const bad = (await head(schema, "q.bin"))?.version;
      expect(read).toMatchObject({ code: "ERR_CORRUPT", details: { version: bad } });
      // The write of 3 waits for its chunk until the load's read is done; the quarantine queues
      // behind it and runs once 3 is acknowledged.
      let readDone = () => {};
      const gate = new Promise<void>((resolve) => {
        readDone = resolve;
      });
      const writing = sink.write(
        "q.bin",
        (async function* () {
          await gate;
          yield* good(3);
        })(),
        { generation: 3 },
      );
      const reading: Sink = {
        capabilities: sink.capabilities,
        write: (target, chunks, options) => sink.write(target, chunks, options),
        read: (target, options) => sink.read(target, options).finally(readDone),
        quarantine: (target, reason, options) => sink.quarantine(target, reason, options),
      };
      const loaded = await loadTarget(reading, "q.bin", codec);
      await writing;
      const written = (await head(schema, "q.bin"))?.version;
      expect(loaded).toMatchObject({ ok: true, source: "primary", value: 3 });
      expect(written).not.toBe(bad);
      expect((await head(schema, "q.bin"))?.version).toBe(written);
      expect(await quarantined(schema)).toEqual([]);
      // The corrupt version, still the head, is moved; by its version, nothing newer.
      await flipByte(schema, "q.bin");
      const again = await loadTarget(sink, "q.bin", codec);
      expect(again).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
      expect(again.quarantinedTo).toMatch(/^postgres:quar_\d+\.snapwrite_quarantine\/\d+$/);
      expect(await quarantined(schema)).toEqual([written]);
    });

    it("keeps another instance's write acknowledged after the bytes failed to decode", async () => {
      schemas += 1;
      const schema = `quar_${schemas}`;
      const { pool, beforeNextCheckout } = hookedPool();
      const a = await open(schema, pool);
      const b = await open(schema);
      await a.write("q.bin", good(1), { generation: 1 });
      await a.write("q.bin", [encoder.encode("garbage")], { generation: 2 });
      const bad = (await head(schema, "q.bin"))?.version;
      let written: string | null | undefined;
      beforeNextCheckout(async () => {
        await b.write("q.bin", good(3), { generation: 3 });
        written = (await head(schema, "q.bin"))?.version;
      });
      const loaded = await loadTarget(a, "q.bin", codec);
      expect(loaded).toMatchObject({ ok: true, source: "primary", value: 3 });
      expect(written).not.toBe(bad);
      expect((await head(schema, "q.bin"))?.version).toBe(written);
      expect(await quarantined(schema)).toEqual([]);
    });

    it("refuses a quarantine whose expected version or bytes are not the head, moving nothing", async () => {
      schemas += 1;
      const schema = `quar_${schemas}`;
      const sink = await open(schema);
      await sink.write("q.bin", good(1), { generation: 1 });
      const version = (await head(schema, "q.bin"))?.version as string;
      const stale = await rejection(sink.quarantine("q.bin", "r", { expectedVersion: "0" }));
      expect(stale).toMatchObject({ code: "ERR_STALE", details: { reason: "changed" } });
      const other = await rejection(sink.quarantine("q.bin", "r", { expected: good(2)[0] }));
      expect(other).toMatchObject({ code: "ERR_STALE", details: { reason: "changed" } });
      expect((await head(schema, "q.bin"))?.version).toBe(version);
      expect(await sink.quarantine("q.bin", "r", { expected: good(1)[0] })).toMatch(/\/\d+$/);
      expect(await quarantined(schema)).toEqual([version]);
      const gone = await rejection(sink.quarantine("q.bin", "r", { expectedVersion: version }));
      expect(gone.code).toBe("ERR_STALE");
      expect((await rejection(sink.quarantine("q.bin", "r"))).code).toBe("ERR_NOT_FOUND");
    });

    it("quarantines a head row whose checksum is NULL, also in a table made with NOT NULL", async () => {
      schemas += 1;
      const schema = `quar_${schemas}`;
      await open(schema);
      // A quarantine table created by an older version of the sink: the next open relaxes it.
      await admin.query(
        `ALTER TABLE "${schema}".snapwrite_quarantine ALTER COLUMN sha256 SET NOT NULL`,
      );
      const sink = await open(schema);
      await sink.write("n.bin", good(1), { generation: 1 });
      await sink.write("n.bin", good(2), { generation: 2 });
      const version = (await head(schema, "n.bin"))?.version;
      await admin.query(`UPDATE "${schema}".snapwrite_head SET sha256 = NULL`);
      const loaded = await loadTarget(sink, "n.bin", codec);
      expect(loaded).toMatchObject({ ok: true, source: "backup", value: 1 });
      expect(loaded.ok && loaded.quarantineError).toBeUndefined();
      expect(loaded.ok && loaded.quarantinedTo).toMatch(/\/\d+$/);
      expect(await quarantined(schema)).toEqual([version]);
    });
  });
}
