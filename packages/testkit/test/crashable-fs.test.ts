import { describe, expect, it } from "vitest";
import { createCrashableFs } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : new TextDecoder().decode(data);

async function writeFile(
  fs: ReturnType<typeof createCrashableFs>,
  path: string,
  content: string,
  options: { flags?: string; sync?: boolean } = {},
) {
  const handle = await fs.open(path, options.flags ?? "wx", 0o600);
  await handle.write(bytes(content));
  if (options.sync ?? true) await handle.sync();
  await handle.close();
}

async function syncDir(fs: ReturnType<typeof createCrashableFs>, dir: string) {
  const handle = await fs.open(dir, "r");
  await handle.sync();
  await handle.close();
}

describe("createCrashableFs", () => {
  it("keeps the initial files durable", async () => {
    const fs = createCrashableFs({ files: { "/data/a.txt": "old" } });
    const after = fs.crash();
    expect(text(await after.readFile("/data/a.txt"))).toBe("old");
  });

  it("loses a created file whose directory was never fsynced, even when its data was", async () => {
    const fs = createCrashableFs({ files: { "/data": null } });
    await writeFile(fs, "/data/new.txt", "hello");
    expect(text(await fs.readFile("/data/new.txt"))).toBe("hello");
    await expect(fs.crash().readFile("/data/new.txt")).rejects.toMatchObject({ code: "ENOENT" });
    await syncDir(fs, "/data");
    expect(text(await fs.crash().readFile("/data/new.txt"))).toBe("hello");
  });

  it("keeps a renamed file empty after a crash when only the directory was fsynced", async () => {
    const fs = createCrashableFs({ files: { "/data/t.txt": "old" } });
    await writeFile(fs, "/data/.t.tmp", "new content", { sync: false });
    await fs.rename("/data/.t.tmp", "/data/t.txt");
    await syncDir(fs, "/data");
    const after = fs.crash().toBinary()["/data/t.txt"];
    expect(after === null ? undefined : text(after)).toBe("");
    const seen = new Set(fs.crashStates().map((s) => text(s.files.get("/data/t.txt"))));
    expect(seen).toContain("old");
    expect(seen).toContain("");
    expect(seen).toContain("new content");
    expect(
      [...seen].some(
        (v) =>
          v !== undefined && v.length > 0 && "new content".startsWith(v) && v !== "new content",
      ),
    ).toBe(true);
  });

  it("lets a synced rename survive every crash after the directory fsync", async () => {
    const fs = createCrashableFs({ files: { "/data/t.txt": "old" } });
    await writeFile(fs, "/data/.t.tmp", "new");
    await fs.rename("/data/.t.tmp", "/data/t.txt");
    const beforeDirSync = fs.trace.length;
    await syncDir(fs, "/data");
    const end = fs.trace.length;
    const all = fs.crashStates();
    for (const state of all) {
      expect(["old", "new"]).toContain(text(state.files.get("/data/t.txt")));
    }
    const atRename = fs.crashStates({ from: beforeDirSync, to: beforeDirSync });
    expect(new Set(atRename.map((s) => text(s.files.get("/data/t.txt"))))).toEqual(
      new Set(["new", "old"]),
    );
    for (const state of fs.crashStates({ from: end })) {
      expect(text(state.files.get("/data/t.txt"))).toBe("new");
      expect(state.files.has("/data/.t.tmp")).toBe(false);
    }
  });

  it("models a truncating in-place write as able to leave an empty file", async () => {
    const fs = createCrashableFs({ files: { "/data/t.txt": "old" } });
    await writeFile(fs, "/data/t.txt", "new", { flags: "w" });
    const values = new Set(fs.crashStates().map((s) => text(s.files.get("/data/t.txt"))));
    expect(values).toContain("");
    expect(fs.trace.map((e) => e.op)).toEqual(["truncate", "write", "fsync"]);
  });

  it("is deterministic for a seed and bounded by maxStates", async () => {
    const run = async (seed: number) => {
      const fs = createCrashableFs({ files: { "/d": null }, seed, maxStates: 40 });
      for (let i = 0; i < 6; i++) {
        await writeFile(fs, `/d/f${i}`, "x".repeat(10 + i), { sync: false });
      }
      return fs.crashStates().map((s) => s.description);
    };
    const a = await run(7);
    const b = await run(7);
    expect(a).toEqual(b);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a.length).toBeGreaterThan(10);
    expect(await run(8)).not.toEqual(a);
  });
});

describe("createCrashableFs directory semantics", () => {
  it("needs the parent's fsync for a new directory, and each directory's for a cross-directory rename", async () => {
    const fs = createCrashableFs({ files: { "/data/a/f": "x" } });
    await fs.mkdir("/data/b/c", { recursive: true });
    await syncDir(fs, "/data/b/c");
    expect(fs.crash().vol.existsSync("/data/b")).toBe(false);
    await syncDir(fs, "/data");
    await syncDir(fs, "/data/b");
    expect(fs.crash().vol.existsSync("/data/b/c")).toBe(true);

    await fs.rename("/data/a/f", "/data/b/c/f");
    expect(fs.trace.slice(-2).map((e) => e.op)).toEqual(["rename", "rename-unlink"]);
    await syncDir(fs, "/data/b/c");
    const halfway = fs.crash();
    expect(text(await halfway.readFile("/data/b/c/f"))).toBe("x");
    expect(text(await halfway.readFile("/data/a/f"))).toBe("x");
    await syncDir(fs, "/data/a");
    expect(fs.crash().vol.existsSync("/data/a/f")).toBe(false);
  });

  it("keeps hard links as links and symbolic links as links", async () => {
    const fs = createCrashableFs({ files: { "/d/a": "A" } });
    await fs.link("/d/a", "/d/b");
    await fs.symlink("/d/a", "/d/s");
    await syncDir(fs, "/d");
    const after = fs.crash();
    expect((await after.stat("/d/a")).ino).toBe((await after.stat("/d/b")).ino);
    expect(await after.readlink("/d/s")).toBe("/d/a");
  });

  it("keeps file data durable across a rename once fsynced, even before the rename is", async () => {
    const fs = createCrashableFs({ files: { "/d": null } });
    await writeFile(fs, "/d/t", "data");
    await syncDir(fs, "/d");
    await fs.rename("/d/t", "/d/u");
    const values = fs
      .crashStates({ from: fs.trace.length })
      .map((s) => [text(s.files.get("/d/t")), text(s.files.get("/d/u"))]);
    expect(values).toEqual([
      ["data", undefined],
      [undefined, "data"],
    ]);
  });
});
