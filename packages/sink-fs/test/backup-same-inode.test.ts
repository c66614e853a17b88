import { link, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, writeFileAtomic } from "../src/index.js";
import { createTempDirs, tempFilesIn, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

// A `.bak` that is a hard link to the primary is what a write stopped between its backup step and
// its final rename leaves (an abort, a crash, or another unlocked writer of the same path). The
// rename of the staged backup over it then does nothing (both names are the same file).
describe("backup when <name>.bak already is the primary's inode", () => {
  it("leaves no staged backup behind in the sink", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("a.json", textChunks("v1"));
    await link(join(dir, "a.json"), join(dir, "a.json.bak"));
    await sink.write("a.json", textChunks("v2"));
    expect(await tempFilesIn(dir)).toEqual([]);
    expect(await readFile(join(dir, "a.json"), "utf8")).toBe("v2");
    expect(await readFile(join(dir, "a.json.bak"), "utf8")).toBe("v1");
    await sink.write("a.json", textChunks("v3"));
    expect((await readdir(dir)).sort()).toEqual(["a.json", "a.json.bak"]);
    expect(await readFile(join(dir, "a.json.bak"), "utf8")).toBe("v2");
    await sink.close();
  });

  it("leaves no staged backup behind in writeFileAtomic", async () => {
    const dir = await dirs.make();
    const path = join(dir, "a.json");
    await writeFileAtomic(path, "v1");
    await link(path, `${path}.bak`);
    await writeFileAtomic(path, "v2", { backup: true });
    expect((await readdir(dir)).sort()).toEqual(["a.json", "a.json.bak"]);
    expect(await readFile(`${path}.bak`, "utf8")).toBe("v1");
  });
});
