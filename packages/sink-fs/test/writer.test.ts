import * as nodeFs from "node:fs/promises";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Codec, createPersistenceWriter, PersistenceError } from "@snapwrite/core";
import { createFaultyFs } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { jsonCodec } from "./fixtures/json-codec.mjs";
import { createTempDirs, tempFilesIn } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("with core's persistence writer", () => {
  it("saves the newest state durably and reports the sink's outcome", async () => {
    const dir = await dirs.make();
    const writer = createPersistenceWriter({ sink: createFsSink({ dir }), executor: "inline" });
    let state = { count: 0 };
    const handle = writer.register("state/app.json", { snapshot: () => state, codec: jsonCodec });
    state = { count: 1 };
    handle.request("changed");
    state = { count: 2 };
    const result = await handle.saveNow("user-save");
    expect(result).toMatchObject({ ok: true, durable: true, target: "state/app.json" });
    expect(JSON.parse(await readFile(join(dir, "state", "app.json"), "utf8"))).toEqual({
      count: 2,
    });
    const report = await writer.close({ timeoutMs: 5_000 });
    expect(report.ok).toBe(true);
  });

  it("surfaces the sink's stage and code, retries a transient failure and then succeeds", async () => {
    const dir = await dirs.make();
    const fs = createFaultyFs(nodeFs, [{ op: "writev", fault: { error: "ENOSPC" } }]);
    const results: { ok: boolean; stage?: string; code?: string; willRetry?: boolean }[] = [];
    const writer = createPersistenceWriter({
      sink: createFsSink({ dir, fs }),
      executor: "inline",
      retry: { initialMs: 5, maxMs: 10 },
      onResult: (r) =>
        results.push(
          r.ok
            ? { ok: true }
            : { ok: false, stage: r.stage, code: r.error.code, willRetry: r.willRetry },
        ),
    });
    const handle = writer.register("a.json", { snapshot: () => ({ v: 1 }), codec: jsonCodec });
    const first = await handle.saveNow("save");
    expect(first).toMatchObject({ ok: false, stage: "write", willRetry: true });
    expect(first.ok === false && first.error.code).toBe("ERR_NO_SPACE");
    expect(await tempFilesIn(dir)).toEqual([]);
    const report = await writer.close({ timeoutMs: 5_000 });
    expect(report.ok).toBe(true);
    expect(results.at(-1)).toEqual({ ok: true });
    expect(JSON.parse(await readFile(join(dir, "a.json"), "utf8"))).toEqual({ v: 1 });
  });

  it("reports a codec failing mid-stream at stage encode and leaves the file untouched", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a.json"), '{"v":0}');
    const broken: Codec<number> = {
      name: "broken",
      *encode() {
        yield new TextEncoder().encode('{"v":');
        throw new Error("record 7 is bad");
      },
      decode: () => {
        throw new PersistenceError("ERR_CORRUPT", "never decoded");
      },
    };
    const writer = createPersistenceWriter({ sink: createFsSink({ dir }), executor: "inline" });
    const handle = writer.register("a.json", { snapshot: () => 1, codec: broken });
    const result = await handle.saveNow("save");
    expect(result).toMatchObject({ ok: false, stage: "encode", willRetry: false });
    expect(await readFile(join(dir, "a.json"), "utf8")).toBe('{"v":0}');
    expect(await tempFilesIn(dir)).toEqual([]);
    await writer.close({ timeoutMs: 5_000 });
  });
});
