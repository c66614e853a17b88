import * as nodeFs from "node:fs/promises";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { FsFileHandle, FsPort, FsStats } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { processIdentity } from "../src/process-identity.js";
import { createTempDirs, deadPid, deferred, text } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const REUSED_INO = 4242;

/**
 * `node:fs/promises` as seen by a process that stalls right after it first read the lock file (a
 * scheduler pause, a page fault), on a file system that reuses inode numbers at once as ext4 does:
 * every lock file, and every file it is moved to, reports the same inode.
 */
function stallingFs(lockPath: string) {
  const paused = deferred();
  const resume = deferred();
  let armed = false;
  let stalled = false;
  const lockish = (path: string) => path.startsWith(lockPath);
  const withIno = (stats: FsStats, path: string): FsStats =>
    lockish(path)
      ? Object.assign(Object.create(Object.getPrototypeOf(stats)), stats, { ino: REUSED_INO })
      : stats;
  const gate = async () => {
    if (!armed || stalled) return;
    stalled = true;
    paused.resolve();
    await resume.promise;
  };
  const fs: FsPort = {
    ...(nodeFs as unknown as FsPort),
    async open(path, flags, mode) {
      await gate();
      const handle = (await nodeFs.open(path, flags, mode)) as unknown as FsFileHandle;
      if (path !== lockPath && !lockish(path)) return handle;
      return new Proxy(handle, {
        get(target, key) {
          if (key === "stat") return async () => withIno(await target.stat(), path);
          if (key === "read" && path === lockPath) {
            return async (...args: Parameters<FsFileHandle["read"]>) => {
              const result = await target.read(...args);
              armed = true;
              return result;
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
    async stat(path) {
      await gate();
      return withIno((await nodeFs.stat(path)) as FsStats, path);
    },
    async readFile(path) {
      await gate();
      const bytes = await nodeFs.readFile(path);
      if (path === lockPath) armed = true;
      return bytes;
    },
    async rename(from, to) {
      await gate();
      return nodeFs.rename(from, to);
    },
    async link(from, to) {
      await gate();
      return nodeFs.link(from, to);
    },
    async unlink(path) {
      await gate();
      return nodeFs.unlink(path);
    },
  };
  return { fs, paused: paused.promise, resume: () => resume.resolve() };
}

describe("breaking an abandoned lock", () => {
  it("never removes a fresh lock taken while the breaker stalled, even with a reused inode", async () => {
    const dir = await dirs.make();
    const lockPath = join(dir, ".a.lock");
    const self = processIdentity();
    const dead = await deadPid();
    await writeFile(
      lockPath,
      JSON.stringify({
        pid: dead,
        hostname: hostname(),
        refreshedAt: Date.now(),
        acquiredAt: Date.now(),
        token: `${dead}-abandoned`,
        threadId: 0,
        boot: self.boot,
        pidNs: self.pidNs,
        start: self.start,
      }),
    );
    // The slow contender reads the abandoned lock, then stalls before breaking it.
    const stalling = stallingFs(lockPath);
    const slow = createFsSink({
      dir,
      fs: stalling.fs,
      lock: { waitMs: 150, pollMs: 5 },
      sweep: false,
    });
    const slowWrite = slow.write("a", [new TextEncoder().encode("slow")]).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await stalling.paused;

    // Meanwhile a fast one breaks it and takes a fresh lock, which it holds.
    const gate = deferred();
    async function* held() {
      yield new TextEncoder().encode("fast");
      await gate.promise;
    }
    const fast = createFsSink({ dir, lock: { waitMs: 0 }, sweep: false });
    const fastWrite = fast.write("a", held());
    let fresh = "";
    for (let tries = 0; tries < 2_000 && !fresh.includes(String(process.pid)); tries += 1) {
      fresh = await readFile(lockPath, "utf8").catch(() => "");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(JSON.parse(fresh).pid).toBe(process.pid);

    stalling.resume();
    const outcome = await slowWrite;
    // The fresh lock was left alone: the slow writer waited for it and gave up.
    expect(outcome.ok ? outcome.result : outcome.error).toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "held" },
    });
    expect(await readFile(lockPath, "utf8")).toBe(fresh);
    gate.resolve();
    await expect(fastWrite).resolves.toMatchObject({ locksBroken: 1 });
    expect(text(await fast.read("a"))).toBe("fast");
    expect(await readdir(dir)).toEqual(["a"]);
  });
});
