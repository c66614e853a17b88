import { describe, expect, it } from "vitest";
import { createFaultyFs, createMemoryFs } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("createFaultyFs", () => {
  it("fails the nth matching call with a Node-shaped error and logs every call", async () => {
    const fs = createFaultyFs(createMemoryFs({ "/d/a": "A", "/d/b": "B" }), [
      { op: "rename", nth: 2, fault: { error: "EXDEV" } },
    ]);
    await fs.rename("/d/a", "/d/a2");
    await expect(fs.rename("/d/b", "/d/b2")).rejects.toMatchObject({
      code: "EXDEV",
      errno: -18,
      syscall: "rename",
      path: "/d/b",
      dest: "/d/b2",
    });
    await fs.rename("/d/b", "/d/b3");
    expect(fs.calls.map((c) => [c.seq, c.op, c.outcome, c.error])).toEqual([
      [1, "rename", "ok", undefined],
      [2, "rename", "error", "EXDEV"],
      [3, "rename", "ok", undefined],
    ]);
    expect(await fs.inner.readdir("/d")).toEqual(["a2", "b3"]);
  });

  it("selects calls by path and repeats a fault `times` times", async () => {
    const fs = createFaultyFs(createMemoryFs({ "/d": null }), [
      { op: ["open"], path: /\.tmp$/, times: 2, fault: { error: "EACCES" } },
    ]);
    await expect(fs.open("/d/x.tmp", "wx")).rejects.toMatchObject({ code: "EACCES" });
    await (await fs.open("/d/y", "wx")).close();
    await expect(fs.open("/d/z.tmp", "wx")).rejects.toMatchObject({ code: "EACCES" });
    await (await fs.open("/d/w.tmp", "wx")).close();
    expect(await fs.inner.readdir("/d")).toEqual(["w.tmp", "y"]);
  });

  it("tears a write: keeps a prefix, then fails or reports a short count", async () => {
    const memory = createMemoryFs({ "/d": null });
    const fs = createFaultyFs(memory, [
      { op: "write", nth: 1, fault: { torn: 3, error: "EIO" } },
      { op: "writev", nth: 1, fault: { torn: 0.5 } },
    ]);
    const handle = await fs.open("/d/f", "w");
    await expect(handle.write(bytes("abcdef"))).rejects.toMatchObject({
      code: "EIO",
      syscall: "write",
    });
    expect(await handle.writev([bytes("12"), bytes("3456")], null)).toEqual({ bytesWritten: 3 });
    await handle.close();
    expect(new TextDecoder().decode(await memory.readFile("/d/f"))).toBe("abc123");
    expect(fs.calls.filter((c) => c.op === "writev")[0]?.outcome).toBe("torn");
  });

  it("records the handle's kind so tests can tell a directory fsync from a file fsync", async () => {
    const fs = createFaultyFs(createMemoryFs({ "/d": null }));
    const file = await fs.open("/d/f", "wx");
    await file.sync();
    await file.close();
    await fs.rename("/d/f", "/d/g");
    const dir = await fs.open("/d", "r");
    await dir.sync();
    await dir.close();
    const syncs = fs.calls.filter((c) => c.op === "sync");
    expect(syncs.map((c) => [c.path, c.kind])).toEqual([
      ["/d/f", "file"],
      ["/d", "directory"],
    ]);
    const renameSeq = fs.calls.find((c) => c.op === "rename")?.seq ?? 0;
    expect(syncs[0]?.seq).toBeLessThan(renameSeq);
    expect(syncs[1]?.seq).toBeGreaterThan(renameSeq);
  });

  it("holds a hung call until released", async () => {
    const fs = createFaultyFs(createMemoryFs({ "/d": null }), [
      { op: "mkdir", fault: { hang: true } },
    ]);
    let done = false;
    const pending = fs.mkdir("/d/x", { recursive: true }).then(() => {
      done = true;
    });
    const hung = await fs.waitForHang();
    expect(hung).toMatchObject({ op: "mkdir", path: "/d/x", outcome: "pending" });
    expect(fs.hanging).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    fs.release(hung.seq);
    await pending;
    expect(await fs.inner.readdir("/d")).toEqual(["x"]);
  });

  it("ends a hang with an AbortError when its signal fires", async () => {
    const controller = new AbortController();
    const fs = createFaultyFs(createMemoryFs({ "/d/a": "A" }), [
      { op: "unlink", fault: { hang: true, signal: controller.signal } },
    ]);
    const pending = fs.unlink("/d/a");
    await fs.waitForHang();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError", code: "ABORT_ERR" });
    expect(await fs.inner.readdir("/d")).toEqual(["a"]);
  });

  it("adds latency with the global timers", async () => {
    const fs = createFaultyFs(createMemoryFs({ "/d/a": "A" }), [
      { op: "stat", fault: { latencyMs: 5 } },
    ]);
    const started = performance.now();
    await fs.stat("/d/a");
    expect(performance.now() - started).toBeGreaterThanOrEqual(4);
  });

  it("rejects nonsense plans", () => {
    expect(() =>
      createFaultyFs(createMemoryFs(), [{ op: "open", nth: 0, fault: { error: "EIO" } }]),
    ).toThrow(RangeError);
  });
});
