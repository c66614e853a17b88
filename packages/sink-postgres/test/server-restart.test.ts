// The server restarts (fast shutdown) while the writer is streaming a snapshot: the attempt fails
// with a typed transient error, and the writer's own retry lands the newest state.
import { type Codec, createPersistenceWriter, type WriteResult } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresSink } from "../src/index.js";

const server = await serverForThisFile();

const CHUNK = 64 * 1024;
const CHUNKS = 320; // 20 MiB: long enough to restart the server in the middle of it

/** Every chunk starts with the state's number, so the stored bytes say which state they are. */
const codec: Codec<number> = {
  name: "numbered",
  *encode(value) {
    for (let i = 0; i < CHUNKS; i++) {
      const chunk = new Uint8Array(CHUNK).fill(value & 0xff);
      new DataView(chunk.buffer).setUint32(0, value);
      yield chunk;
    }
  },
  decode(bytes) {
    return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  },
};

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

if (server !== undefined) {
  describe("server restart in the middle of a write", () => {
    const admin = new pg.Pool({ connectionString: server.url, max: 2 });
    admin.on("error", () => undefined);
    afterAll(() => admin.end());

    it("fails the attempt with a transient ERR_IO and the retry lands the newest state", async () => {
      const sink = await openPostgresSink({
        connectionString: `${server.url}?application_name=restarted`,
        chunkBytes: CHUNK,
      });
      const results: WriteResult[] = [];
      const writer = createPersistenceWriter({
        sink,
        retry: { initialMs: 50, maxMs: 400 },
        onResult: (result) => results.push(result),
      });
      let state = 1;
      const handle = writer.register("state.bin", { snapshot: () => state, codec, debounceMs: 0 });
      try {
        handle.request("first", { urgency: "immediate" });
        // Wait until the write's transaction has stored some chunk rows, then restart the server.
        await until("the write to be in flight", async () => {
          const rows = await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'restarted' AND xact_start IS NOT NULL",
          );
          return (rows.rowCount ?? 0) > 0;
        });
        server.restart();
        state = 2;
        handle.request("second", { urgency: "immediate" });
        await until("a successful write of the newest state", () =>
          results.some((result) => result.ok && result.generation >= 2),
        );
        const failed = results.find((result) => !result.ok);
        expect(failed).toBeDefined();
        if (failed === undefined || failed.ok) return;
        expect(["ERR_IO", "ERR_BUSY"]).toContain(failed.error.code);
        expect(failed.willRetry).toBe(true);
        expect(failed.generation).toBe(1);
        expect(codec.decode(await sink.read("state.bin"))).toBe(2);
        expect((await sink.read("state.bin")).byteLength).toBe(CHUNK * CHUNKS);
        expect(handle.state.unsaved).toBe(false);
      } finally {
        await writer.close({ timeoutMs: 10_000 });
        await sink.close();
      }
    }, 60_000);
  });
}
