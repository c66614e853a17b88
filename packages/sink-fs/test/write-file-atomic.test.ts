import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { createFaultyFs, createMemoryFs, type FsFaultPlan } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { writeFileAtomic, writeJsonAtomic } from "../src/index.js";
import { createTempDirs, failure, tempFilesIn, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("writeFileAtomic on the real disk", () => {
  it("writes strings, bytes and (async) chunk sources, to absolute and relative paths", async () => {
    const dir = await dirs.make();
    const file = join(dir, "a.txt");
    expect(await writeFileAtomic(file, "héllo")).toEqual({ bytes: 6, durable: true });
    expect(await readFile(file, "utf8")).toBe("héllo");

    await writeFileAtomic(file, new TextEncoder().encode("bytes"));
    expect(await readFile(file, "utf8")).toBe("bytes");

    await writeFileAtomic(file, textChunks("from an array of chunks", 5));
    expect(await readFile(file, "utf8")).toBe("from an array of chunks");

    async function* source() {
      yield* textChunks("from an async ", 3);
      await new Promise((resolve) => setImmediate(resolve));
      yield* textChunks("generator", 2);
    }
    const relativePath = relative(process.cwd(), join(dir, "rel.txt"));
    expect(relativePath.startsWith("/")).toBe(false);
    expect(await writeFileAtomic(relativePath, source())).toEqual({ bytes: 23, durable: true });
    expect(await readFile(join(dir, "rel.txt"), "utf8")).toBe("from an async generator");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("creates missing parents, applies mode to new files, keeps a backup, reports atomic", async () => {
    const dir = await dirs.make();
    const file = join(dir, "new", "nested", "state.bin");
    await writeFileAtomic(file, "v1", { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writeFileAtomic(file, "v2", { backup: true, mode: 0o644 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toBe("v2");
    expect(await readFile(`${file}.bak`, "utf8")).toBe("v1");
    expect(await writeFileAtomic(file, "v3", { durability: "atomic" })).toEqual({
      bytes: 2,
      durable: false,
    });
    expect((await readdir(join(dir, "new", "nested"))).sort()).toEqual([
      "state.bin",
      "state.bin.bak",
    ]);
  });

  it("writes through a symlink at the path, keeping the link", async () => {
    const dir = await dirs.make();
    const elsewhere = await dirs.make();
    await writeFile(join(elsewhere, "real.json"), "old");
    await symlink(join(elsewhere, "real.json"), join(dir, "link.json"));
    await writeFileAtomic(join(dir, "link.json"), "new");
    expect(await readFile(join(elsewhere, "real.json"), "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["link.json"]);
  });

  it("resolves .. in the path textually, before any link, as the README says", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "other", "dir"), { recursive: true });
    await symlink(join("other", "dir"), join(dir, "link"));
    await writeFileAtomic(join(dir, "link", "..", "f"), "x");
    // The OS would resolve link/.. to other/; the path is normalized first, so ./f is written.
    expect(await readFile(join(dir, "f"), "utf8")).toBe("x");
    expect(await readdir(join(dir, "other"))).toEqual(["dir"]);
  });

  it("leaves one complete version, the last call's, after concurrent writes to one path", async () => {
    const dir = await dirs.make();
    const file = join(dir, "contended.bin");
    const payloads = Array.from({ length: 8 }, (_, i) => {
      const bytes = new Uint8Array(256 * 1024 + i * 977);
      bytes.fill(i + 1);
      return bytes;
    });
    async function* slowly(bytes: Uint8Array, turns: number) {
      for (let at = 0; at < bytes.byteLength; at += 64 * 1024) {
        for (let t = 0; t < turns; t++) await new Promise((resolve) => setImmediate(resolve));
        yield bytes.slice(at, at + 64 * 1024);
      }
    }
    // Earlier calls produce their chunks more slowly: without ordering they would land last.
    const results = await Promise.all(
      payloads.map((bytes, i) => writeFileAtomic(file, slowly(bytes, payloads.length - i))),
    );
    expect(results.map((result) => result.bytes)).toEqual(payloads.map((b) => b.byteLength));
    const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
    expect(digest(await readFile(file))).toBe(digest(payloads[payloads.length - 1] as Uint8Array));
    expect(await readdir(dir)).toEqual(["contended.bin"]);
  });

  it("keeps the old content and leaves nothing behind when the source fails or the write is aborted", async () => {
    const dir = await dirs.make();
    const file = join(dir, "a.txt");
    await writeFileAtomic(file, "old");
    function* failing() {
      yield new TextEncoder().encode("new, partly");
      throw new Error("encoder broke");
    }
    const error = await failure(writeFileAtomic(file, failing()));
    expect(error).toMatchObject({ stage: "write", target: file });
    const aborted = new AbortController();
    aborted.abort();
    expect(await failure(writeFileAtomic(file, "new", { signal: aborted.signal }))).toMatchObject({
      code: "ERR_ABORTED",
    });
    await failure(writeFileAtomic(join(dir, "made", "b.txt"), failing()));
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["a.txt"]);
  });
});

describe("writeJsonAtomic", () => {
  it("writes JSON with the given indentation and a final newline", async () => {
    const dir = await dirs.make();
    const file = join(dir, "state.json");
    const value = { name: "snapwrite", list: [1, 2] };
    const result = await writeJsonAtomic(file, value, { space: 2 });
    const expected = `${JSON.stringify(value, undefined, 2)}\n`;
    expect(await readFile(file, "utf8")).toBe(expected);
    expect(result).toEqual({ bytes: Buffer.byteLength(expected), durable: true });
    await writeJsonAtomic(file, [true]);
    expect(await readFile(file, "utf8")).toBe("[true]\n");
  });

  it.each([
    ["undefined", undefined],
    ["a function", () => 1],
    ["a BigInt", { n: 1n }],
    [
      "a cycle",
      (() => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        return cyclic;
      })(),
    ],
  ])("refuses %s with ERR_ENCODE and writes nothing", async (_, value) => {
    const dir = await dirs.make();
    const file = join(dir, "state.json");
    await writeJsonAtomic(file, { kept: true });
    expect(await failure(writeJsonAtomic(file, value))).toMatchObject({
      code: "ERR_ENCODE",
      stage: "encode",
      target: file,
    });
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ kept: true });
    expect(await readdir(dir)).toEqual(["state.json"]);
  });
});

describe("writeFileAtomic fault paths (faulty memory file system)", () => {
  const FILE = "/data/app.json";
  const TEMP = /\/\.app\.json\.[0-9a-z-]+\.tmp$/;

  function setup(plan: FsFaultPlan) {
    const memory = createMemoryFs({ [FILE]: "old content" });
    return { memory, fs: createFaultyFs(memory, plan) };
  }

  it.each([
    ["open", "ENOSPC", "open", "ERR_NO_SPACE"],
    ["writev", "EDQUOT", "write", "ERR_NO_SPACE"],
    ["sync", "EIO", "sync", "ERR_IO"],
    ["rename", "EROFS", "rename", "ERR_PERMISSION"],
  ] as const)(
    "maps %s %s to stage %s, %s, keeping the old file and no temp file",
    async (op, osCode, stage, code) => {
      const { memory, fs } = setup([{ op, path: TEMP, fault: { error: osCode } }]);
      const error = await failure(writeFileAtomic(FILE, "new content", { fs }));
      expect(error).toMatchObject({ code, stage, target: FILE, details: { osCode } });
      expect(memory.toJSON()).toEqual({ [FILE]: "old content" });
    },
  );

  it("reports a failed directory fsync after the rename at stage sync-dir", async () => {
    const { memory, fs } = setup([{ op: "sync", path: "/data", fault: { error: "EIO" } }]);
    const error = await failure(writeFileAtomic(FILE, "new content", { fs }));
    expect(error).toMatchObject({ code: "ERR_IO", stage: "sync-dir", target: FILE });
    expect(memory.toJSON()).toEqual({ [FILE]: "new content" });
  });

  it("removes the parent directories it created when the write fails", async () => {
    const { memory, fs } = setup([{ op: "writev", fault: { error: "ENOSPC" } }]);
    await failure(writeFileAtomic("/data/new/deep/app.json", "x", { fs }));
    expect(memory.toJSON()).toEqual({ [FILE]: "old content" });
  });
});

describe("writeFileAtomic arguments", () => {
  it("throws TypeError for bad data, options and path types, ERR_INVALID_TARGET for paths naming no file", async () => {
    const dir = await dirs.make();
    const file = join(dir, "a.txt");
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(file, null as unknown as string)).rejects.toThrow(TypeError);
    await expect(
      writeFileAtomic(file, "x", { bakup: true } as unknown as { backup: boolean }),
    ).rejects.toThrow(/unknown option "bakup"/);
    await expect(
      writeFileAtomic(file, "x", { space: 2 } as unknown as { backup: boolean }),
    ).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(file, "x", { mode: 0o10000 })).rejects.toThrow(
      /^writeFileAtomic: mode/,
    );
    await expect(writeFileAtomic(7 as unknown as string, "x")).rejects.toThrow(TypeError);
    for (const path of ["", `${dir}/`, `${dir}/a\0b`]) {
      expect(await failure(writeFileAtomic(path, "x"))).toMatchObject({
        code: "ERR_INVALID_TARGET",
      });
    }
    await expect(writeJsonAtomic(file, {}, { space: [] as unknown as string })).rejects.toThrow(
      TypeError,
    );
    await expect(writeFileAtomic(file, "x", { fs: {} as never })).rejects.toThrow(
      new TypeError("writeFileAtomic: fs.open must be a function"),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a path whose last component is . or .., as one ending in /", async () => {
    const dir = await dirs.make();
    for (const path of [`${dir}/sub/.`, `${dir}/sub/..`, ".", ".."]) {
      expect(await failure(writeFileAtomic(path, "x")), path).toMatchObject({
        code: "ERR_INVALID_TARGET",
        details: { reason: "not a file path" },
      });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(process.platform === "win32")(
    "writes names with a backslash or a colon, which are plain file names on POSIX",
    async () => {
      const dir = await dirs.make();
      for (const name of ["a\\b.json", "x:y.json", "c:"]) {
        await writeFileAtomic(join(dir, name), name);
        await writeJsonAtomic(join(dir, `j-${name}`), { name });
        expect(await readFile(join(dir, name), "utf8")).toBe(name);
      }
      expect((await readdir(dir)).sort()).toEqual(
        ["a\\b.json", "c:", "j-a\\b.json", "j-c:", "j-x:y.json", "x:y.json"].sort(),
      );
    },
  );
});
