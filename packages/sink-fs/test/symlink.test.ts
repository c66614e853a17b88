import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, tempFilesIn, text, textChunks } from "./helpers.js";

const OUTSIDE = { code: "ERR_INVALID_TARGET", details: { reason: "outside the root" } };

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("symlinked targets", () => {
  it("writes through a link leading outside the root with followSymlinksOutsideRoot, keeping the link", async () => {
    const dir = await dirs.make();
    const elsewhere = await dirs.make();
    await writeFile(join(elsewhere, "data.json"), "old");
    await symlink(join(elsewhere, "data.json"), join(dir, "data.json"));
    const sink = createFsSink({ dir, backup: true, followSymlinksOutsideRoot: true });
    await sink.write("data.json", textChunks("new"));
    expect((await lstat(join(dir, "data.json"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, "data.json"))).toBe(join(elsewhere, "data.json"));
    expect(await readFile(join(elsewhere, "data.json"), "utf8")).toBe("new");
    expect(text(await sink.read("data.json"))).toBe("new");
    expect((await readdir(elsewhere)).sort()).toEqual(["data.json", "data.json.bak"]);
    expect(text(await sink.read("data.json", { from: "backup" }))).toBe("old");
    expect(await readdir(dir)).toEqual(["data.json"]);
  });

  it("follows chains of relative links", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "file"), "old");
    await symlink("real/file", join(dir, "hop"));
    await symlink("hop", join(dir, "entry"));
    await createFsSink({ dir }).write("entry", textChunks("new"));
    expect(await readFile(join(dir, "real", "file"), "utf8")).toBe("new");
    expect((await lstat(join(dir, "entry"))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, "hop"))).isSymbolicLink()).toBe(true);
  });

  it("creates the file a dangling link points to", async () => {
    const dir = await dirs.make();
    await symlink("missing/target.json", join(dir, "entry.json"));
    await createFsSink({ dir }).write("entry.json", textChunks("{}"));
    expect(await readFile(join(dir, "missing", "target.json"), "utf8")).toBe("{}");
  });

  it("refuses a link loop at stage open with ERR_INVALID_TARGET, which the writer does not retry", async () => {
    const dir = await dirs.make();
    await symlink("b", join(dir, "a"));
    await symlink("a", join(dir, "b"));
    await expect(createFsSink({ dir }).write("a", textChunks("x"))).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "open",
      details: { reason: "symlink-loop", osCode: "ELOOP" },
    });
  });
});

describe("symlinks leading outside the root are refused by default", () => {
  it("refuses a target linked outside: write, read and quarantine, touching nothing", async () => {
    const dir = await dirs.make();
    const outside = await dirs.make();
    await writeFile(join(outside, "data.json"), "theirs");
    await symlink(join(outside, "data.json"), join(dir, "data.json"));
    const sink = createFsSink({ dir, backup: true });
    await expect(sink.write("data.json", textChunks("ours"))).rejects.toMatchObject({
      ...OUTSIDE,
      stage: "open",
    });
    await expect(sink.read("data.json")).rejects.toMatchObject(OUTSIDE);
    await expect(sink.read("data.json", { from: "backup" })).rejects.toMatchObject(OUTSIDE);
    await expect(sink.quarantine("data.json", "bad")).rejects.toMatchObject(OUTSIDE);
    expect(await readdir(outside)).toEqual(["data.json"]);
    expect(await readFile(join(outside, "data.json"), "utf8")).toBe("theirs");
    expect(await readdir(dir)).toEqual(["data.json"]);
  });

  it("refuses a dangling link to outside without creating its destination", async () => {
    const dir = await dirs.make();
    const outside = await dirs.make();
    await symlink(join(outside, "new", "file.json"), join(dir, "entry.json"));
    await expect(createFsSink({ dir }).write("entry.json", textChunks("{}"))).rejects.toMatchObject(
      OUTSIDE,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it("refuses a symlinked subdirectory leading outside, creating no directory there", async () => {
    const dir = await dirs.make();
    const outside = await dirs.make();
    await symlink(outside, join(dir, "sub"));
    const sink = createFsSink({ dir });
    await expect(sink.write("sub/a.json", textChunks("{}"))).rejects.toMatchObject(OUTSIDE);
    await expect(sink.write("sub/deep/er/a.json", textChunks("{}"))).rejects.toMatchObject(OUTSIDE);
    await writeFile(join(outside, "b.json"), "theirs");
    await expect(sink.read("sub/b.json")).rejects.toMatchObject(OUTSIDE);
    expect(await readdir(outside)).toEqual(["b.json"]);
  });

  it("follows links that stay inside the root, also through a symlinked subdirectory", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "real"));
    await symlink("real", join(dir, "alias"));
    await symlink("../real/x.json", join(dir, "real", "y.json"));
    const sink = createFsSink({ dir });
    await sink.write("alias/x.json", textChunks("through the dir link"));
    expect(await readFile(join(dir, "real", "x.json"), "utf8")).toBe("through the dir link");
    await sink.write("alias/y.json", textChunks("through both"));
    expect(await readFile(join(dir, "real", "x.json"), "utf8")).toBe("through both");
    expect(text(await sink.read("alias/y.json"))).toBe("through both");
  });

  it("writes through a symlinked subdirectory leading outside with followSymlinksOutsideRoot", async () => {
    const dir = await dirs.make();
    const outside = await dirs.make();
    await symlink(outside, join(dir, "sub"));
    const sink = createFsSink({ dir, followSymlinksOutsideRoot: true });
    await sink.write("sub/deep/a.json", textChunks("{}"));
    expect(await readFile(join(outside, "deep", "a.json"), "utf8")).toBe("{}");
  });
});

describe("a failed write leaves no directory behind", () => {
  it("removes the directories it created, innermost first", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "kept"));
    function* failing() {
      yield new TextEncoder().encode("part");
      throw new Error("encoder broke");
    }
    const sink = createFsSink({ dir });
    await expect(sink.write("kept/new/deeper/a.json", failing())).rejects.toMatchObject({
      stage: "write",
    });
    expect(await readdir(dir)).toEqual(["kept"]);
    expect(await readdir(join(dir, "kept"))).toEqual([]);
    await expect(sink.write("fresh/a.json", failing())).rejects.toMatchObject({ stage: "write" });
    expect(await readdir(dir)).toEqual(["kept"]);
  });

  it("keeps a created directory that something else put a file into meanwhile", async () => {
    const dir = await dirs.make();
    async function* failing() {
      yield new TextEncoder().encode("part");
      await writeFile(join(dir, "made", "other.txt"), "someone else's");
      throw new Error("encoder broke");
    }
    await expect(createFsSink({ dir }).write("made/inner/a.json", failing())).rejects.toMatchObject(
      { stage: "write" },
    );
    expect(await readdir(join(dir, "made"))).toEqual(["other.txt"]);
    expect(await tempFilesIn(join(dir, "made"))).toEqual([]);
    expect((await stat(join(dir, "made"))).isDirectory()).toBe(true);
  });
});
