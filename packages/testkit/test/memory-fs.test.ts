import { describe, expect, it } from "vitest";
import { createMemoryFs, createOsError, OS_ERRNO } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("createMemoryFs", () => {
  it("starts with the given files and exposes them for inspection", async () => {
    const fs = createMemoryFs({ "/a/b.txt": "hello", "/bin": new Uint8Array([1, 2]), "/e": null });
    expect(new TextDecoder().decode(await fs.readFile("/a/b.txt"))).toBe("hello");
    expect(fs.toJSON()).toEqual({ "/a/b.txt": "hello", "/bin": "\u0001\u0002", "/e": null });
    expect(fs.toBinary()["/bin"]).toEqual(new Uint8Array([1, 2]));
    expect(fs.vol.existsSync("/e")).toBe(true);
  });

  it("creates exclusively with wx and fails with a Node-shaped EEXIST", async () => {
    const fs = createMemoryFs({ "/d/x": "1" });
    const handle = await fs.open("/d/new", "wx", 0o600);
    await handle.close();
    await expect(fs.open("/d/x", "wx")).rejects.toMatchObject({
      code: "EEXIST",
      errno: -17,
      syscall: "open",
      path: "/d/x",
    });
  });

  it("writes, writevs, reads and syncs through a file handle", async () => {
    const fs = createMemoryFs({ "/d": null });
    const handle = await fs.open("/d/f", "w");
    expect(await handle.write(bytes("abc"))).toEqual({ bytesWritten: 3 });
    expect(await handle.write(bytes("xdefx"), 1, 3, null)).toEqual({ bytesWritten: 3 });
    expect(await handle.writev([bytes("g"), bytes("hi")], null)).toEqual({ bytesWritten: 3 });
    await handle.sync();
    await handle.datasync();
    await handle.chmod(0o640);
    expect((await handle.stat()).size).toBe(9);
    await handle.close();
    const reader = await fs.open("/d/f", "r");
    const buffer = new Uint8Array(16);
    expect(await reader.read(buffer, 0, 16, 0)).toEqual({ bytesRead: 9 });
    await reader.close();
    expect(new TextDecoder().decode(buffer.subarray(0, 9))).toBe("abcdefghi");
    expect((await fs.stat("/d/f")).mode & 0o777).toBe(0o640);
  });

  it("opens a directory for reading so it can be fsynced", async () => {
    const fs = createMemoryFs({ "/d": null });
    const dir = await fs.open("/d", "r");
    await dir.sync();
    expect((await dir.stat()).isDirectory()).toBe(true);
    await dir.close();
  });

  it("resolves mkdir with the first directory created, like Node", async () => {
    const fs = createMemoryFs({ "/a": null });
    expect(await fs.mkdir("/a/b/c", { recursive: true })).toBe("/a/b");
    expect(await fs.mkdir("/a/b/c", { recursive: true })).toBeUndefined();
  });

  it("renames, links, symlinks, lists and unlinks", async () => {
    const fs = createMemoryFs({ "/d/a": "A" });
    await fs.link("/d/a", "/d/b");
    await fs.rename("/d/a", "/d/c");
    await fs.symlink("/d/c", "/d/s");
    expect((await fs.readdir("/d")).sort()).toEqual(["b", "c", "s"]);
    expect(await fs.readlink("/d/s")).toBe("/d/c");
    expect(await fs.realpath("/d/s")).toBe("/d/c");
    expect((await fs.lstat("/d/s")).isSymbolicLink()).toBe(true);
    expect((await fs.stat("/d/b")).ino).toBe((await fs.stat("/d/c")).ino);
    await fs.unlink("/d/b");
    await fs.chmod("/d/c", 0o600);
    await expect(fs.unlink("/d/b")).rejects.toMatchObject({ code: "ENOENT", syscall: "unlink" });
    await expect(fs.readFile("/nope")).rejects.toMatchObject({ code: "ENOENT", errno: -2 });
  });
});

describe("createOsError", () => {
  it("builds errors shaped like node:fs ones", () => {
    const error = createOsError("ENOSPC", "write", "/data/x");
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("ENOSPC: no space left on device, write '/data/x'");
    expect(error).toMatchObject({ code: "ENOSPC", errno: -28, syscall: "write", path: "/data/x" });
    const rename = createOsError("EXDEV", "rename", "/a", "/b");
    expect(rename.message).toBe("EXDEV: cross-device link not permitted, rename '/a' -> '/b'");
    expect(rename).toMatchObject({ errno: -(OS_ERRNO.EXDEV ?? 0), dest: "/b" });
    expect(createOsError("EWHATEVER", "open").errno).toBe(-1);
  });
});
