// Target ids at the edges of what core accepts: a lone surrogate (refused by core before any row
// is touched) and ids too long for the server's B-tree index (a permanent ERR_INVALID_TARGET, told
// from the SQLSTATE and the statement, whatever language the server words its messages in).
import { randomBytes } from "node:crypto";
import { isPermanentErrorCode } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresSink, type PostgresSink } from "../src/index.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();

if (server !== undefined) {
  const sinks: PostgresSink[] = [];
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on("error", () => undefined);
  afterAll(async () => {
    for (const sink of sinks) await sink.close();
    await admin.end();
  });
  /** Makes every INSERT into `<schema>.<table>` fail with `54000` and `message`, as a server would. */
  const fail54000 = async (schema: string, table: string, message: string): Promise<void> => {
    await admin.query(`CREATE OR REPLACE FUNCTION "${schema}".fail_54000() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = '${message}'; END $$`);
    await admin.query(`CREATE TRIGGER fail_54000 BEFORE INSERT ON "${schema}".${table}
      FOR EACH ROW EXECUTE FUNCTION "${schema}".fail_54000()`);
  };
  // What a server with lc_messages = de_DE says instead of "index row size … exceeds maximum …".
  const GERMAN = "Indexzeilengröße 4016 überschreitet Maximum 2704 für Index »snapwrite_head_pkey«";
  const open = async (schema: string): Promise<PostgresSink> => {
    const sink = await openPostgresSink({ connectionString: server.url, schema });
    sinks.push(sink);
    return sink;
  };

  describe("target ids at the limits", () => {
    it("keeps ids that differ only in a lone surrogate apart: both are refused, nothing is stored", async () => {
      const sink = await open("surrogates");
      const x = "sur-\uD800.json";
      const y = "sur-\uDBFF.json";
      const onWrite = await rejection(sink.write(x, [Buffer.from("X")], { generation: 5 }));
      expect(onWrite.code).toBe("ERR_INVALID_TARGET");
      expect(onWrite.details).toEqual({ reason: "contains a lone surrogate (ill-formed UTF-16)" });
      expect((await rejection(sink.read(y))).code).toBe("ERR_INVALID_TARGET");
      expect((await rejection(sink.write(y, [Buffer.from("Y")]))).code).toBe("ERR_INVALID_TARGET");
      // U+FFFD itself is a well-formed id, and nothing was stored under it.
      expect((await rejection(sink.read("sur-\uFFFD.json"))).code).toBe("ERR_NOT_FOUND");
    });

    it("refuses an id too long for the index with a permanent ERR_INVALID_TARGET, and stores ids that fit", async () => {
      const sink = await open("long_ids");
      // Random base64url does not compress: 4000 bytes cannot fit a B-tree row (about 2.7 kB).
      const long = `long/${randomBytes(3000).toString("base64url")}`;
      const error = await rejection(sink.write(long, [Buffer.from("z")], { generation: 1 }));
      expect(error.code).toBe("ERR_INVALID_TARGET");
      expect(isPermanentErrorCode(error.code)).toBe(true);
      expect(error.target).toBe(long);
      expect(error.details).toMatchObject({ sqlState: "54000" });
      expect(String((error.details as { reason: string }).reason)).toMatch(/too long/);
      expect((await rejection(sink.read(long))).code).toBe("ERR_NOT_FOUND");
      // The longest ids core accepts still work when they compress, and short ones always do.
      const repetitive = `rep/${"a".repeat(4092)}`;
      await sink.write(repetitive, [Buffer.from("r")], { generation: 1 });
      expect(Buffer.from(await sink.read(repetitive)).toString()).toBe("r");
      const fits = `fits/${randomBytes(1500).toString("base64url")}`;
      await sink.write(fits, [Buffer.from("f")], { generation: 1 });
      expect(Buffer.from(await sink.read(fits)).toString()).toBe("f");
    });

    it("tells a too-long id by the SQLSTATE of the statement that indexes it, not by the message's language", async () => {
      const sink = await open("german_chunks");
      await fail54000("german_chunks", "snapwrite_chunk", GERMAN);
      const onChunks = await rejection(
        sink.write("de/chunk", [Buffer.from("x")], { generation: 1 }),
      );
      expect(onChunks.code).toBe("ERR_INVALID_TARGET");
      expect(onChunks.stage).toBe("write");
      expect(onChunks.details).toMatchObject({ sqlState: "54000" });
      expect(isPermanentErrorCode(onChunks.code)).toBe(true);
      const head = await open("german_head");
      await fail54000("german_head", "snapwrite_head", GERMAN);
      const onHead = await rejection(head.write("de/head", [Buffer.from("y")], { generation: 1 }));
      expect(onHead.code).toBe("ERR_INVALID_TARGET");
      expect(onHead.stage).toBe("rename");
    });

    it("keeps a 54000 from a statement that does not index the id (the quarantine's move) an ERR_IO, whatever it says", async () => {
      const sink = await open("moves");
      await sink.write("q", [Buffer.from("q")], { generation: 1 });
      await fail54000("moves", "snapwrite_quarantine", "index row size 4016 exceeds maximum 2704");
      const error = await rejection(sink.quarantine("q", "test"));
      expect(error.code).toBe("ERR_IO");
      expect(error.details).toEqual({ sqlState: "54000" });
      expect(Buffer.from(await sink.read("q")).toString()).toBe("q");
    });
  });
}
