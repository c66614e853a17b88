import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isPersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, tempFilesIn, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("createFsSink on the real disk", () => {
  it("writes chunks atomically and reads them back", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const result = await sink.write("known.met", textChunks("hello, durable world"));
    expect(result).toEqual({
      bytes: 20,
      durable: true,
      renameAttempts: 1,
      lockWaitMs: 0,
      lockWaits: 0,
      locksBroken: 0,
      dirSynced: true,
    });
    expect(text(await sink.read("known.met"))).toBe("hello, durable world");
    expect(await readFile(join(dir, "known.met"), "utf8")).toBe("hello, durable world");
    expect(await readdir(dir)).toEqual(["known.met"]);
  });

  it("declares its capabilities from the options", () => {
    expect(createFsSink({ dir: "/x" }).capabilities).toEqual({
      atomicReplace: true,
      durable: true,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    });
    expect(
      createFsSink({ dir: "/x", durability: "atomic", backup: true, lock: true }).capabilities,
    ).toEqual({
      atomicReplace: true,
      durable: false,
      backup: true,
      crossProcessLock: true,
      fencing: false,
    });
  });

  it("replaces previous content completely, also with a shorter payload", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    await sink.write("a.json", textChunks("x".repeat(1000)));
    await sink.write("a.json", textChunks("short"));
    expect(await readFile(join(dir, "a.json"), "utf8")).toBe("short");
  });

  it("writes an empty payload as an empty file", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    expect((await sink.write("empty", [])).bytes).toBe(0);
    expect((await stat(join(dir, "empty"))).size).toBe(0);
  });

  it("creates the parent directories of nested targets", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir: join(dir, "root") });
    await sink.write("state/deep/runtime.json", textChunks("{}"));
    expect(await readFile(join(dir, "root/state/deep/runtime.json"), "utf8")).toBe("{}");
    expect(text(await sink.read("state/deep/runtime.json"))).toBe("{}");
  });

  it("streams a multi-MiB payload of many chunks byte for byte", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 50; i += 1) {
      const chunk = new Uint8Array(65_536 + i);
      for (let j = 0; j < chunk.length; j += 1) chunk[j] = (i * 31 + j) & 0xff;
      chunks.push(chunk);
    }
    const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const result = await sink.write("big.bin", chunks);
    expect(result.bytes).toBe(total);
    const back = await readFile(join(dir, "big.bin"));
    expect(back.byteLength).toBe(total);
    let at = 0;
    for (const chunk of chunks) {
      expect(Buffer.compare(back.subarray(at, at + chunk.byteLength), chunk)).toBe(0);
      at += chunk.byteLength;
    }
  });

  it("accepts async chunk sources", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    async function* source() {
      yield new TextEncoder().encode("as");
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield new TextEncoder().encode("ync");
    }
    await sink.write("a", source());
    expect(text(await sink.read("a"))).toBe("async");
  });

  it("gives a new file the mode option exactly, ignoring the umask", async () => {
    const dir = await dirs.make();
    const previous = process.umask(0o077);
    try {
      await createFsSink({ dir }).write("default", textChunks("a"));
      await createFsSink({ dir, mode: 0o640 }).write("custom", textChunks("a"));
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(dir, "default"))).mode & 0o777).toBe(0o644);
    expect((await stat(join(dir, "custom"))).mode & 0o777).toBe(0o640);
  });

  it("keeps the mode of an existing file", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "secret"), "old");
    await chmod(join(dir, "secret"), 0o600);
    await createFsSink({ dir, mode: 0o644 }).write("secret", textChunks("new"));
    expect((await stat(join(dir, "secret"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, "secret"), "utf8")).toBe("new");
  });

  it('reports durable: false and skips the fsyncs with durability "atomic"', async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, durability: "atomic" });
    const result = await sink.write("a", textChunks("abc"));
    expect(result.durable).toBe(false);
    expect(result.dirSynced).toBe(false);
    expect(text(await sink.read("a"))).toBe("abc");
  });

  it.each([
    ["../escape"],
    ["a/../../escape"],
    ["/etc/passwd"],
    ["a\0b"],
    [""],
    ["a//b"],
    ["./a"],
    ["C:evil"],
    ["a\\b"],
    [".a.123-abc.tmp"],
    [".a.lock"],
    ["a-\uD800.json"],
  ])("rejects the invalid target %j with ERR_INVALID_TARGET and writes nothing", async (target) => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir: join(dir, "root") });
    const error = await sink.write(target, textChunks("x")).catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_INVALID_TARGET")).toBe(true);
    expect((error as { stage?: string }).stage).toBe("open");
    await expect(sink.read(target)).rejects.toMatchObject({ code: "ERR_INVALID_TARGET" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("rejects a missing target with ERR_NOT_FOUND and the OS error as cause", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const error = await sink.read("missing.json").catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_NOT_FOUND")).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: "ENOENT" });
    await expect(sink.read("missing.json", { from: "backup" })).rejects.toMatchObject({
      code: "ERR_NOT_FOUND",
      details: { from: "backup", osCode: "ENOENT" },
    });
  });

  it("reads a directory as ERR_INVALID_TARGET (not a regular file)", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "folder"));
    await expect(createFsSink({ dir }).read("folder")).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "not-a-regular-file" },
    });
  });

  it("rejects an unknown read source with a TypeError", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    await expect(sink.read("a", { from: "side" as "primary" })).rejects.toThrow(TypeError);
  });

  it("refuses a write to a path occupied by a directory at stage open, cleaning up", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "taken"));
    await writeFile(join(dir, "taken", "inside"), "keep");
    const error = await createFsSink({ dir })
      .write("taken", textChunks("x"))
      .catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_INVALID_TARGET")).toBe(true);
    expect(error).toMatchObject({ stage: "open", details: { reason: "not-a-regular-file" } });
    expect(await tempFilesIn(dir)).toEqual([]);
    expect(await readFile(join(dir, "taken", "inside"), "utf8")).toBe("keep");
  });

  it("waits for queued writes on close and refuses new ones with ERR_CLOSED", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const pending = sink.write("a", textChunks("last"));
    await sink.close();
    await expect(pending).resolves.toMatchObject({ bytes: 4 });
    await expect(sink.write("a", textChunks("late"))).rejects.toMatchObject({
      code: "ERR_CLOSED",
    });
    await expect(sink.quarantine("a", "bad")).rejects.toMatchObject({ code: "ERR_CLOSED" });
    expect(text(await sink.read("a"))).toBe("last");
  });

  it("rejects durations setTimeout cannot honour (above 2^31 - 1 ms) with RangeError", () => {
    const max = 2_147_483_647;
    for (const lock of [{ staleMs: 1e10 }, { waitMs: max + 1 }, { pollMs: Infinity }]) {
      expect(() => createFsSink({ dir: "/x", lock })).toThrow(RangeError);
    }
    expect(() => createFsSink({ dir: "/x", renameRetry: { initialMs: 3e9 } })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", renameRetry: { maxMs: max + 1 } })).toThrow(
      /renameRetry\.maxMs must be a finite number in 0\.\.2147483647/,
    );
    expect(() =>
      createFsSink({ dir: "/x", lock: { staleMs: max, waitMs: max, pollMs: max } }),
    ).not.toThrow();
  });

  it("throws TypeError for options of the wrong type, RangeError only for numbers out of range", () => {
    expect(() => createFsSink({ dir: "/x", mode: "644" as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", mode: "644" as never })).toThrow(
      /mode must be a number/,
    );
    expect(() => createFsSink({ dir: "/x", maxQuarantined: "5" as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", lock: { staleMs: "1000" as never } })).toThrow(
      TypeError,
    );
    expect(() => createFsSink({ dir: "/x", renameRetry: { attempts: "2" as never } })).toThrow(
      TypeError,
    );
    expect(() => createFsSink({ dir: "/x", batch: 3 as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", fs: "memfs" as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", fs: {} as never })).toThrow(
      new TypeError("createFsSink: fs.open must be a function"),
    );
  });

  it("rejects a clock without now, setTimeout and clearTimeout at construction", () => {
    expect(() => createFsSink({ dir: "/x", clock: {} as never })).toThrow(/clock\.now/);
    expect(() => createFsSink({ dir: "/x", clock: {} as never })).toThrow(TypeError);
    const noClear = { now: () => 0, setTimeout: () => 0 };
    expect(() => createFsSink({ dir: "/x", clock: noClear as never })).toThrow(
      /clock\.clearTimeout/,
    );
    expect(() => createFsSink({ dir: "/x", clock: null as never })).toThrow(TypeError);
  });

  it("rejects unknown option keys with a TypeError naming the key", () => {
    expect(() => createFsSink({ dir: "/x", bakup: true } as never)).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", bakup: true } as never)).toThrow(/"bakup"/);
    expect(() => createFsSink({ dir: "/x", lock: { staleMS: 5 } as never })).toThrow(
      /"lock\.staleMS"/,
    );
    expect(() => createFsSink({ dir: "/x", renameRetry: { tries: 2 } as never })).toThrow(
      /"renameRetry\.tries"/,
    );
    expect(() => createFsSink({ dir: "/x", batch: { bytes: 2 } as never })).toThrow(
      /"batch\.bytes"/,
    );
  });

  it("throws TypeError or RangeError for bad options", () => {
    expect(() => createFsSink({ dir: "" })).toThrow(TypeError);
    expect(() => createFsSink(undefined as never)).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", durability: "fast" as "atomic" })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", mode: 0o10000 })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", mode: 1.5 })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", maxQuarantined: 0 })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", renameRetry: { attempts: 0 } })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", renameRetry: { initialMs: -1 } })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", lock: { waitMs: Number.NaN } })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", lock: "yes" as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", backup: 1 as never })).toThrow(TypeError);
    expect(() => createFsSink({ dir: "/x", batch: { maxChunks: 2000 } })).toThrow(RangeError);
    expect(() => createFsSink({ dir: "/x", random: 3 as never })).toThrow(TypeError);
  });
});
