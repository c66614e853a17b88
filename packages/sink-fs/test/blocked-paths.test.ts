import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isPermanentErrorCode, loadTarget, type PersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, fsFailure } from "../src/index.js";
import { jsonCodec as codec } from "./fixtures/json-codec.mjs";
import { createTempDirs, failure, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

/** `code`, `reason` and `path` of an error, to compare a read's with a write's. */
function classOf(error: PersistenceError) {
  return { code: error.code, reason: error.details?.reason, path: error.details?.path };
}

/** A directory with a link loop (`loop`, `l1` ↔ `l2`), a file (`afile`) and a directory. */
async function blockedDir(): Promise<string> {
  const dir = await dirs.make();
  await symlink("loop", join(dir, "loop"));
  await symlink("l2", join(dir, "l1"));
  await symlink("l1", join(dir, "l2"));
  await writeFile(join(dir, "afile"), "x");
  await symlink("afile/y.json", join(dir, "through-file.json"));
  await mkdir(join(dir, "adir"));
  return dir;
}

describe("a path no retry can change: reads and quarantines report what writes do", () => {
  const cases = [
    ["a link to itself", "loop", "symlink-loop", "loop"],
    ["a loop of two links", "l1", "symlink-loop", "l1"],
    ["a link loop as a parent", "loop/x.json", "parent-not-a-directory", "loop"],
    ["a file as a parent", "afile/x.json", "parent-not-a-directory", "afile"],
    ["a file as a grandparent", "afile/x/y.json", "parent-not-a-directory", "afile"],
    ["a link through a file", "through-file.json", "parent-not-a-directory", "afile"],
  ] as const;
  for (const [kind, target, reason, at] of cases) {
    it(`${kind}: ERR_INVALID_TARGET "${reason}" on write, read, backup read and quarantine`, async () => {
      const dir = await blockedDir();
      const before = (await readdir(dir)).sort();
      const sink = createFsSink({ dir, backup: true });
      const expected = { code: "ERR_INVALID_TARGET", reason, path: join(dir, at) };
      const written = await failure(sink.write(target, textChunks("{}")));
      expect(classOf(written)).toEqual(expected);
      const read = await failure(sink.read(target));
      expect(classOf(read)).toEqual(expected);
      expect(read).toMatchObject({ target, stage: undefined, details: { from: "primary" } });
      expect(read.cause).toMatchObject({ code: read.details?.osCode });
      expect(isPermanentErrorCode(read.code)).toBe(true);
      const backup = await failure(sink.read(target, { from: "backup" }));
      expect(classOf(backup)).toEqual(expected);
      expect(backup.details).toMatchObject({ from: "backup" });
      const moved = await failure(sink.quarantine(target, "test"));
      expect(classOf(moved)).toEqual(expected);
      expect(moved).toMatchObject({ target, stage: "rename" });
      const checked = await failure(
        sink.quarantine(target, "test", { expected: new Uint8Array([1]) }),
      );
      expect(classOf(checked)).toEqual(expected);
      await sink.close();
      expect((await readdir(dir)).sort()).toEqual(before);
    });
  }

  it("refuses to quarantine a directory at the target, as reads and writes refuse it", async () => {
    const dir = await blockedDir();
    await writeFile(join(dir, "adir", "keep"), "mine");
    await symlink("adir", join(dir, "to-dir"));
    const sink = createFsSink({ dir });
    for (const target of ["adir", "to-dir"]) {
      const expected = {
        code: "ERR_INVALID_TARGET",
        reason: "not-a-regular-file",
        path: join(dir, "adir"),
      };
      expect(classOf(await failure(sink.write(target, textChunks("{}"))))).toEqual(expected);
      expect(classOf(await failure(sink.read(target)))).toEqual(expected);
      const moved = await failure(sink.quarantine(target, "test"));
      expect(classOf(moved)).toEqual(expected);
      expect(moved).toMatchObject({ target, stage: "rename" });
    }
    await sink.close();
    // Nothing moved, and the name claimed for the move is gone again.
    expect((await readdir(dir)).filter((name) => name.includes(".corrupt-"))).toEqual([]);
    expect(await readFile(join(dir, "adir", "keep"), "utf8")).toBe("mine");
  });

  it("loadTarget returns the typed error: no quarantine, no fallback to the backup", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("sub/app.json", codec.encode({ version: 1 }));
    await sink.write("sub/app.json", codec.encode({ version: 2 }));
    await sink.close();
    // The directory holding both copies is moved away; a link loop, then a file take its name.
    const held = join(dir, "held");
    await rename(join(dir, "sub"), held);
    for (const block of [
      () => symlink("sub", join(dir, "sub")),
      () => writeFile(join(dir, "sub"), "x"),
    ]) {
      await rm(join(dir, "sub"), { force: true });
      await block();
      const blocked = createFsSink({ dir, backup: true });
      const result = await loadTarget(blocked, "sub/app.json", codec);
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: "ERR_INVALID_TARGET",
          details: { reason: "parent-not-a-directory", path: join(dir, "sub") },
        },
      });
      expect(result).not.toHaveProperty("backupError", expect.anything());
      expect(result).not.toHaveProperty("quarantinedTo", expect.anything());
      await blocked.close();
      expect((await readdir(dir)).sort()).toEqual(["held", "sub"]);
    }
    expect((await readdir(held)).sort()).toEqual(["app.json", "app.json.bak"]);
    expect(JSON.parse(await readFile(join(held, "app.json"), "utf8"))).toEqual({ version: 2 });
  });

  it("loadTarget of a target that is a link loop reports it, touching nothing", async () => {
    const dir = await blockedDir();
    const before = (await readdir(dir)).sort();
    const sink = createFsSink({ dir, backup: true });
    const result = await loadTarget(sink, "loop", codec);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_INVALID_TARGET", details: { reason: "symlink-loop" } },
    });
    expect(result).not.toHaveProperty("quarantinedTo", expect.anything());
    await sink.close();
    expect((await readdir(dir)).sort()).toEqual(before);
    // The sink still works for other targets.
    const again = createFsSink({ dir });
    await again.write("fine.json", textChunks("{}"));
    expect(text(await again.read("fine.json"))).toBe("{}");
    await again.close();
  });
});

describe("fsFailure", () => {
  const osError = (code: string) => Object.assign(new Error(`${code}: test`), { code });

  it("maps ELOOP, ENOTDIR and EISDIR to the permanent ERR_INVALID_TARGET with their reason", () => {
    for (const [code, reason] of [
      ["ELOOP", "symlink-loop"],
      ["ENOTDIR", "parent-not-a-directory"],
      ["EISDIR", "not-a-regular-file"],
      ["ENAMETOOLONG", "name-too-long"],
    ] as const) {
      for (const direction of ["read", "write"] as const) {
        const error = fsFailure(osError(code), "open", "t", { op: "x" }, direction);
        expect(error).toMatchObject({
          code: "ERR_INVALID_TARGET",
          stage: "open",
          target: "t",
          details: { reason, osCode: code, op: "x" },
        });
        expect(error.message).toMatch(/^ERR_INVALID_TARGET/);
        expect(error.cause).toMatchObject({ code });
      }
    }
  });

  it("keeps core's mapping for every other code", () => {
    expect(fsFailure(osError("ENOENT"), undefined, "t", undefined, "read")).toMatchObject({
      code: "ERR_NOT_FOUND",
      details: { osCode: "ENOENT" },
    });
    expect(fsFailure(osError("EIO"), "write", "t").code).toBe("ERR_IO");
    expect(fsFailure(osError("EIO"), "write", "t").details?.reason).toBeUndefined();
    expect(fsFailure(osError("ENOSPC"), "write", "t").code).toBe("ERR_NO_SPACE");
  });
});
