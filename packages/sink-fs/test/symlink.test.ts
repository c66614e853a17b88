import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("symlinked targets", () => {
  it("writes through the link to its target, keeping the link", async () => {
    const dir = await dirs.make();
    const elsewhere = await dirs.make();
    await writeFile(join(elsewhere, "data.json"), "old");
    await symlink(join(elsewhere, "data.json"), join(dir, "data.json"));
    const sink = createFsSink({ dir, backup: true });
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

  it("reports a link loop as ERR_IO at stage open", async () => {
    const dir = await dirs.make();
    await symlink("b", join(dir, "a"));
    await symlink("a", join(dir, "b"));
    await expect(createFsSink({ dir }).write("a", textChunks("x"))).rejects.toMatchObject({
      code: "ERR_IO",
      stage: "open",
    });
  });
});
