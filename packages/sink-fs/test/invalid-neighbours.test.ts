import { mkdir, readdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, lockFile } from "../src/index.js";
import { createTempDirs, failure, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

// Files next to the target that sink-fs manages but that something else has taken: no retry can
// change them, so they are the permanent ERR_INVALID_TARGET, never a transient I/O error.
describe("a neighbour of the target that is not what sink-fs made", () => {
  it("refuses a directory at <name>.bak with ERR_INVALID_TARGET, keeping the primary", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("a.json", textChunks("v1"));
    await mkdir(join(dir, "a.json.bak"));
    const error = await failure(sink.write("a.json", textChunks("v2")));
    expect(error).toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "rename",
      details: { reason: "not-a-regular-file", path: join(dir, "a.json.bak") },
    });
    expect(await readFile(join(dir, "a.json"), "utf8")).toBe("v1");
    expect((await readdir(dir)).sort()).toEqual(["a.json", "a.json.bak"]);
    await sink.close();
  });

  it("refuses a lock path that is a loop of symlinks with ERR_INVALID_TARGET", async () => {
    const dir = await dirs.make();
    await symlink(".a.json.lock", join(dir, ".a.json.lock"));
    const error = await failure(lockFile(join(dir, "a.json"), { waitMs: 60_000 }));
    expect(error).toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "lock",
      target: join(dir, "a.json"),
      details: { reason: "symlink-loop", lockPath: join(dir, ".a.json.lock") },
    });
    const sink = createFsSink({ dir, lock: { waitMs: 60_000 } });
    expect(await failure(sink.write("a.json", textChunks("{}")))).toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "lock",
      details: { reason: "symlink-loop" },
    });
    await sink.close();
  });
});
