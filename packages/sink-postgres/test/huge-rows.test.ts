// A snapshot written with the largest chunkBytes (256 MiB rows): bytea arrives as hex text, which
// for a whole row would exceed the longest JavaScript string; the sink reads such rows in slices.
import { isPersistenceError } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresSink } from "../src/index.js";

const server = await serverForThisFile({ fsync: false });
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

if (server !== undefined) {
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  admin.on("error", () => undefined);
  afterAll(() => admin.end());

  describe("rows of the largest chunkBytes", () => {
    it("reads back a snapshot of one full 256 MiB row and a short one", async () => {
      const sink = await openPostgresSink({
        connectionString: server.url,
        chunkBytes: MAX_CHUNK_BYTES,
      });
      try {
        const snapshot = Buffer.alloc(MAX_CHUNK_BYTES + 10);
        for (let at = 0; at < snapshot.byteLength; at += 4096) snapshot[at] = (at >>> 12) & 0xff;
        snapshot.fill(7, MAX_CHUNK_BYTES);
        await sink.write("huge.bin", [snapshot], { generation: 1 });
        const rows = await admin.query<{ length: number }>(
          "SELECT octet_length(data) AS length FROM snapwrite_chunk ORDER BY seq",
        );
        expect(rows.rows.map((row) => row.length)).toEqual([MAX_CHUNK_BYTES, 10]);
        const read = await sink.read("huge.bin").catch((error: unknown) => error);
        if (isPersistenceError(read)) throw read;
        expect(Buffer.from(read as Uint8Array).equals(snapshot)).toBe(true);
        // A changed byte in the middle of the long row is still caught by the checksum.
        await admin.query(
          "UPDATE snapwrite_chunk SET data = set_byte(data, 100000000, 255) WHERE seq = 0",
        );
        const corrupt = await sink.read("huge.bin").catch((error: unknown) => error);
        expect(isPersistenceError(corrupt, "ERR_CORRUPT")).toBe(true);
      } finally {
        await sink.close();
      }
    }, 180_000);
  });
}
