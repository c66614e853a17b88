import { mkdir, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { processIdentity } from "../src/process-identity.js";
import { createTempDirs, deadPid, deferred, tempFilesIn, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

function lockContent(pid: number, refreshedAt: number, host = hostname()): string {
  const self = processIdentity();
  return JSON.stringify({
    pid,
    hostname: host,
    refreshedAt,
    acquiredAt: refreshedAt,
    token: `${pid}-t`,
    // An owner of this boot and pid namespace, in another process (or an earlier one with our pid).
    threadId: 0,
    boot: self.boot,
    pidNs: self.pidNs,
    start: pid === process.pid ? "j0" : self.start,
  });
}

describe("start-up sweep", () => {
  it("removes orphan temp files of dead processes before the first write, sparing live ones", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    const live = process.ppid;
    await writeFile(join(dir, `.a.${dead}-abc123.tmp`), "orphan");
    await writeFile(join(dir, `.b.json.${dead}-zz.tmp`), "orphan of another target");
    await writeFile(join(dir, `.a.${live}-def456.tmp`), "a live writer's file");
    await writeFile(join(dir, `.a.${process.pid}-old.tmp`), "same pid, earlier process");
    await writeFile(join(dir, "notes.tmp"), "not ours");
    await createFsSink({ dir }).write("a", textChunks("x"));
    expect((await readdir(dir)).sort()).toEqual([`.a.${live}-def456.tmp`, "a", "notes.tmp"]);
  });

  it("sweeps before the first read too", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await writeFile(join(dir, "a"), "content");
    await writeFile(join(dir, `.a.${dead}-abc.tmp`), "orphan");
    expect(text(await createFsSink({ dir }).read("a"))).toBe("content");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("removes abandoned lock files of dead owners but not live ones", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await writeFile(join(dir, ".a.lock"), lockContent(dead, Date.now()));
    await writeFile(join(dir, ".b.lock"), lockContent(process.ppid, Date.now()));
    await writeFile(join(dir, ".c.lock"), lockContent(process.ppid, Date.now(), "other-host"));
    const report = await createFsSink({ dir }).sweep();
    expect(report.removedLocks).toEqual([join(dir, ".a.lock")]);
    expect((await readdir(dir)).sort()).toEqual([".b.lock", ".c.lock"]);
  });

  it("removes lock-creation temp files of dead processes and empty lock files past the grace", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await writeFile(join(dir, `.a.lock.${dead}-abc.tmp`), lockContent(dead, Date.now()));
    await writeFile(join(dir, `.a.lock.${process.ppid}-abc.tmp`), lockContent(process.ppid, 0));
    await writeFile(join(dir, ".e.lock"), "");
    const old = new Date(Date.now() - 10_000);
    await utimes(join(dir, ".e.lock"), old, old);
    await writeFile(join(dir, ".f.lock"), "");
    const report = await createFsSink({ dir }).sweep();
    expect(report.removedTemps).toEqual([join(dir, `.a.lock.${dead}-abc.tmp`)]);
    expect(report.removedLocks).toEqual([join(dir, ".e.lock")]);
    expect((await readdir(dir)).sort()).toEqual([`.a.lock.${process.ppid}-abc.tmp`, ".f.lock"]);
  });

  it("sweep() walks subdirectories and reports what it removed", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await mkdir(join(dir, "state", "deep"), { recursive: true });
    await writeFile(join(dir, "state", `.x.${dead}-a.tmp`), "");
    await writeFile(join(dir, "state", "deep", `.y.${dead}-b.tmp`), "");
    const report = await createFsSink({ dir }).sweep();
    expect([...report.removedTemps].sort()).toEqual([
      join(dir, "state", `.x.${dead}-a.tmp`),
      join(dir, "state", "deep", `.y.${dead}-b.tmp`),
    ]);
    expect(report.removedLocks).toEqual([]);
  });

  it("never deletes the temp file of a write in progress in this process", async () => {
    const dir = await dirs.make();
    const writer = createFsSink({ dir });
    const gate = deferred();
    async function* held() {
      yield new TextEncoder().encode("in progress");
      await gate.promise;
    }
    const writing = writer.write("a", held());
    while ((await tempFilesIn(dir)).length === 0) await new Promise((r) => setTimeout(r, 2));
    const report = await createFsSink({ dir }).sweep();
    expect(report.removedTemps).toEqual([]);
    expect(await tempFilesIn(dir)).toHaveLength(1);
    gate.resolve();
    await writing;
    expect(text(await writer.read("a"))).toBe("in progress");
  });

  it("removes an abandoned lock before the first write, so the write needs no lock break", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, ".a.lock"), lockContent(await deadPid(), Date.now()));
    const result = await createFsSink({ dir, lock: { waitMs: 0 } }).write("a", textChunks("x"));
    expect(result.locksBroken).toBe(0);
    expect(await readdir(dir)).toEqual(["a"]);
  });

  it("treats a throwing isProcessAlive as alive and deletes nothing", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, ".a.12345-abc.tmp"), "unknown owner");
    await writeFile(join(dir, ".b.lock"), lockContent(12345, Date.now()));
    const sink = createFsSink({
      dir,
      lock: { waitMs: 0 },
      isProcessAlive: () => {
        throw new Error("cannot tell");
      },
    });
    expect(await sink.sweep()).toEqual({ removedTemps: [], removedLocks: [] });
    await sink.write("a", textChunks("x"));
    await expect(sink.write("b", textChunks("x"))).rejects.toMatchObject({ code: "ERR_LOCKED" });
    expect((await readdir(dir)).sort()).toEqual([".a.12345-abc.tmp", ".b.lock", "a"]);
  });

  it("leaves everything alone with sweep: false", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await writeFile(join(dir, `.a.${dead}-abc.tmp`), "orphan");
    await createFsSink({ dir, sweep: false }).write("a", textChunks("x"));
    expect(await tempFilesIn(dir)).toEqual([`.a.${dead}-abc.tmp`]);
  });

  describe("spares a write in progress however its directory is spelled", () => {
    async function heldWrite(sink: ReturnType<typeof createFsSink>, target: string) {
      const gate = deferred();
      async function* held() {
        yield new TextEncoder().encode("in progress");
        await gate.promise;
      }
      const writing = sink.write(target, held());
      return { writing, finish: () => gate.resolve() };
    }

    it("through a symlinked directory inside the root", async () => {
      const dir = await dirs.make();
      await mkdir(join(dir, "real"));
      await symlink(join(dir, "real"), join(dir, "link"));
      const sink = createFsSink({ dir });
      const held = await heldWrite(sink, "link/a");
      while ((await tempFilesIn(join(dir, "real"))).length === 0) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const temps = await tempFilesIn(join(dir, "real"));
      // sweep() reaches the file as real/..., the write registered it as link/...
      expect(await sink.sweep()).toEqual({ removedTemps: [], removedLocks: [] });
      expect(await tempFilesIn(join(dir, "real"))).toEqual(temps);
      held.finish();
      await held.writing;
      expect(text(await sink.read("real/a"))).toBe("in progress");
    });

    it("by two sinks whose roots are a directory and a link to it", async () => {
      const base = await dirs.make();
      await mkdir(join(base, "root"));
      await symlink(join(base, "root"), join(base, "alias"));
      const writer = createFsSink({ dir: join(base, "root") });
      const held = await heldWrite(writer, "a");
      while ((await tempFilesIn(join(base, "root"))).length === 0) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const other = createFsSink({ dir: join(base, "alias") });
      expect(await other.sweep()).toEqual({ removedTemps: [], removedLocks: [] });
      await expect(other.read("a")).rejects.toMatchObject({ code: "ERR_NOT_FOUND" });
      expect(await tempFilesIn(join(base, "root"))).toHaveLength(1);
      held.finish();
      await held.writing;
      expect(text(await other.read("a"))).toBe("in progress");
    });
  });
});
