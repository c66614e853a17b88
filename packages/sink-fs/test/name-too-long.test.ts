import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createPersistenceWriter } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, lockFile, writeFileAtomic } from "../src/index.js";
import { claimFileName } from "../src/lock/claim-file.js";
import { parseTempFileName, tempFileName } from "../src/temp-file-name.js";
import { jsonCodec } from "./fixtures/json-codec.mjs";
import { createTempDirs, failure, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

/** A file name of `bytes` bytes: the usual NAME_MAX is 255. */
const name = (bytes: number) => "L".repeat(bytes);

const TOO_LONG = {
  code: "ERR_INVALID_TARGET",
  details: { reason: "name-too-long", osCode: "ENAMETOOLONG" },
};

describe("a name longer than the file system allows (ENAMETOOLONG)", () => {
  it("fails a write at stage open with the permanent ERR_INVALID_TARGET, leaving nothing", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    const error = await failure(sink.write(name(256), textChunks("x")));
    expect(error).toMatchObject({ ...TOO_LONG, stage: "open", target: name(256) });
    expect(error.cause).toMatchObject({ code: "ENAMETOOLONG" });
    expect(await readdir(dir)).toEqual([]);
    await sink.close();
  });

  it("fails at stage rename when the backup's name is too long, keeping the file", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write(name(252), textChunks("v1"));
    const error = await failure(sink.write(name(252), textChunks("v2")));
    expect(error).toMatchObject({ ...TOO_LONG, stage: "rename" });
    expect(await readdir(dir)).toEqual([name(252)]);
    expect(text(await sink.read(name(252)))).toBe("v1");
    await sink.close();
  });

  it("fails the lock at stage lock when the lock file's name is too long", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, lock: { waitMs: 1_000 } });
    const error = await failure(sink.write(name(251), textChunks("x")));
    expect(error).toMatchObject({ ...TOO_LONG, stage: "lock" });
    await sink.close();
    await expect(lockFile(join(dir, name(251)))).rejects.toMatchObject({
      ...TOO_LONG,
      stage: "lock",
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails a read, writeFileAtomic and a quarantine the same way", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir });
    expect(await failure(sink.read(name(256)))).toMatchObject(TOO_LONG);
    expect(await failure(sink.quarantine(name(256), "test"))).toMatchObject(TOO_LONG);
    await expect(writeFileAtomic(join(dir, name(256)), "x")).rejects.toMatchObject({
      ...TOO_LONG,
      stage: "open",
    });
    expect(await readdir(dir)).toEqual([]);
    await sink.close();
  });

  it("is not retried by core's writer, and close() does not wait for it", async () => {
    const dir = await dirs.make();
    const results: { willRetry: boolean; code: string }[] = [];
    const writer = createPersistenceWriter({
      sink: createFsSink({ dir }),
      executor: "inline",
      retry: { initialMs: 5, maxMs: 10 },
      onResult: (r) => {
        if (!r.ok) results.push({ willRetry: r.willRetry, code: r.error.code });
      },
    });
    writer.register(name(256), { snapshot: () => ({ v: 1 }), codec: jsonCodec }).request("x");
    writer.register("ok.json", { snapshot: () => ({ v: 2 }), codec: jsonCodec }).request("x");
    const report = await writer.close({ timeoutMs: 5_000 });
    expect(results).toEqual([{ willRetry: false, code: "ERR_INVALID_TARGET" }]);
    expect(report.targets.find((t) => t.target === name(256))?.outcome).toBe("failed");
    expect(JSON.parse(await readFile(join(dir, "ok.json"), "utf8"))).toEqual({ v: 2 });
  });
});

describe("a name of characters of several bytes each that fits", () => {
  /** 80 characters of 3 bytes each in UTF-8: 240 bytes, a name that fits (its lock file too). */
  const wide = "日".repeat(80);
  const bytes = (text: string) => Buffer.byteLength(text, "utf8");

  it("gets temp and claim names that keep at most 120 bytes of it", () => {
    expect(bytes(tempFileName(`${wide}.lock`, 4_194_304, Math.random))).toBeLessThanOrEqual(255);
    expect(bytes(claimFileName(`.${wide}.lock`, "4194304-x", 7))).toBeLessThanOrEqual(255);
    // Never a character cut in two.
    expect(parseTempFileName(tempFileName(wide, 42, Math.random))?.name).toBe("日".repeat(40));
  });

  it("is written, read and locked like any other", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, lock: { waitMs: 1_000 } });
    await sink.write(wide, textChunks("v1"));
    expect(text(await sink.read(wide))).toBe("v1");
    await sink.close();
    const lock = await lockFile(join(dir, wide), { waitMs: 1_000 });
    await lock.release();
    expect(await readdir(dir)).toEqual([wide]);
  });
});
