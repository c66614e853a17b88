import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, deferred, tempFilesIn, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const encoder = new TextEncoder();

describe("serialization", () => {
  it("runs writes to one target in call order, so the last call wins", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const gate = deferred();
    const order: string[] = [];
    async function* slow() {
      yield encoder.encode("first");
      await gate.promise;
      order.push("first done");
    }
    const first = sink.write("a", slow()).then(() => order.push("first resolved"));
    const second = sink.write("a", textChunks("second")).then(() => order.push("second resolved"));
    const third = sink.write("a", textChunks("third")).then(() => order.push("third resolved"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    expect(await readdir(dir)).not.toContain("a");
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(order).toEqual(["first done", "first resolved", "second resolved", "third resolved"]);
    expect(text(await sink.read("a"))).toBe("third");
  });

  it("keeps the order when an earlier write fails", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    function* broken(): Generator<Uint8Array> {
      yield new Uint8Array(1);
      throw new Error("boom");
    }
    const results = await Promise.allSettled([
      sink.write("a", textChunks("one")),
      sink.write("a", broken()),
      sink.write("a", textChunks("three")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(text(await sink.read("a"))).toBe("three");
  });

  it("runs writes to different targets concurrently", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const gate = deferred();
    async function* held() {
      await gate.promise;
      yield encoder.encode("a");
    }
    const a = sink.write("a", held());
    await sink.write("b", textChunks("b"));
    expect(text(await sink.read("b"))).toBe("b");
    gate.resolve();
    await a;
  });
});

describe("chunk sources", () => {
  it("reports a throwing source with its error as cause, cleaning up", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a"), "old");
    const boom = new Error("codec exploded");
    function* source() {
      yield encoder.encode("partial");
      throw boom;
    }
    const error = await createFsSink({ dir })
      .write("a", source())
      .catch((e: unknown) => e);
    expect(isPersistenceError(error)).toBe(true);
    expect(error).toMatchObject({ stage: "write", target: "a" });
    expect((error as Error).cause).toBe(boom);
    expect(await readFile(join(dir, "a"), "utf8")).toBe("old");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("keeps code and stage of a PersistenceError thrown by the source", async () => {
    const dir = await dirs.make();
    const fromCodec = new PersistenceError("ERR_ENCODE", "bad record", { stage: "encode" });
    async function* source() {
      yield encoder.encode("x");
      throw fromCodec;
    }
    const error = await createFsSink({ dir })
      .write("a", source())
      .catch((e: unknown) => e);
    expect(error).toBe(fromCodec);
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("rejects chunks that are not bytes with ERR_ENCODE", async () => {
    const dir = await dirs.make();
    const error = await createFsSink({ dir })
      .write("a", ["text" as unknown as Uint8Array])
      .catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_ENCODE")).toBe(true);
    expect(error).toMatchObject({ stage: "encode", details: { reason: "not-bytes", index: 0 } });
    await expect(
      createFsSink({ dir }).write("a", 42 as unknown as Uint8Array[]),
    ).rejects.toMatchObject({ code: "ERR_ENCODE", details: { reason: "not-iterable" } });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("AbortSignal", () => {
  it("aborts between chunks: temp removed, target untouched, ERR_ABORTED", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a"), "old");
    const controller = new AbortController();
    function* source() {
      yield encoder.encode("new-1");
      controller.abort(new Error("shutting down"));
      yield encoder.encode("new-2");
    }
    const error = await createFsSink({ dir })
      .write("a", source(), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_ABORTED")).toBe(true);
    expect(error).toMatchObject({ stage: "write" });
    expect((error as Error).cause).toEqual(new Error("shutting down"));
    expect(await readFile(join(dir, "a"), "utf8")).toBe("old");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("aborts while an async source waits", async () => {
    const dir = await dirs.make();
    const controller = new AbortController();
    const never = deferred();
    async function* source() {
      yield encoder.encode("x");
      await never.promise;
    }
    const writing = createFsSink({ dir }).write("a", source(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(writing).rejects.toMatchObject({ code: "ERR_ABORTED", stage: "write" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("aborts after the last chunk, before the rename", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a"), "old");
    const controller = new AbortController();
    function* source() {
      yield encoder.encode("complete");
      controller.abort();
    }
    await expect(
      createFsSink({ dir }).write("a", source(), { signal: controller.signal }),
    ).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await readFile(join(dir, "a"), "utf8")).toBe("old");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("rejects an already aborted signal without touching the disk", async () => {
    const dir = await dirs.make();
    await expect(
      createFsSink({ dir: join(dir, "root") }).write("a", textChunks("x"), {
        signal: AbortSignal.abort(),
      }),
    ).rejects.toMatchObject({ code: "ERR_ABORTED", stage: "open" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("aborts a write waiting in the queue without disturbing the order", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const gate = deferred();
    async function* slow() {
      await gate.promise;
      yield encoder.encode("first");
    }
    const controller = new AbortController();
    const first = sink.write("a", slow());
    const queued = sink.write("a", textChunks("queued"), { signal: controller.signal });
    const last = sink.write("a", textChunks("last"));
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: "ERR_ABORTED", stage: "open" });
    gate.resolve();
    await first;
    await last;
    expect(text(await sink.read("a"))).toBe("last");
  });
});
