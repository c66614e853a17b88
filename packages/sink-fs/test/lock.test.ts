import { readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Clock } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { claimFileName, claimToken } from "../src/lock/claim-file.js";
import { processIdentity } from "../src/process-identity.js";
import { createTempDirs, deadPid, deferred, tempFilesIn, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const encoder = new TextEncoder();

function lockContent(pid: number, refreshedAt: number, host = hostname()): string {
  const self = processIdentity();
  return JSON.stringify({
    pid,
    hostname: host,
    refreshedAt,
    acquiredAt: refreshedAt,
    token: `${pid}-x`,
    // An owner of this boot and pid namespace, in another process (or an earlier one with our pid).
    threadId: 0,
    boot: self.boot,
    pidNs: self.pidNs,
    start: pid === process.pid ? "j0" : self.start,
  });
}

/** Starts a write that holds the lock until `release` is called. */
async function holdLock(dir: string) {
  const gate = deferred();
  async function* held() {
    yield encoder.encode("holder");
    await gate.promise;
  }
  const sink = createFsSink({ dir, lock: true });
  const writing = sink.write("a", held());
  while (!(await readdir(dir)).includes(".a.lock")) await new Promise((r) => setTimeout(r, 2));
  return { writing, release: () => gate.resolve() };
}

describe("cross-process lock", () => {
  it("writes an O_EXCL lock file with the owner while writing and removes it after", async () => {
    const dir = await dirs.make();
    const holder = await holdLock(dir);
    const owner = JSON.parse(await readFile(join(dir, ".a.lock"), "utf8"));
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(typeof owner.token).toBe("string");
    expect(typeof owner.processStartedAt).toBe("number");
    holder.release();
    await holder.writing;
    expect(await readdir(dir)).toEqual(["a"]);
  });

  it("fails with ERR_LOCKED at stage lock after the bounded wait, touching nothing", async () => {
    const dir = await dirs.make();
    const holder = await holdLock(dir);
    const other = createFsSink({ dir, lock: { waitMs: 40, pollMs: 5 } });
    const error = await other.write("a", textChunks("contender")).catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_LOCKED")).toBe(true);
    expect(error).toMatchObject({
      stage: "lock",
      details: { reason: "held", owner: { pid: process.pid } },
    });
    expect((error as { details: { waits: number } }).details.waits).toBeGreaterThan(0);
    holder.release();
    await holder.writing;
    expect(text(await other.read("a"))).toBe("holder");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("answers a quarantine of a target whose directory is missing ERR_NOT_FOUND, as without a lock", async () => {
    const dir = await dirs.make();
    for (const lock of [false, true] as const) {
      const sink = createFsSink({ dir, ...(lock ? { lock: { waitMs: 0 } } : {}) });
      const plain = await sink.quarantine("missing/a.json", "corrupt").catch((e: unknown) => e);
      expect(plain, `lock ${lock}`).toMatchObject({ code: "ERR_NOT_FOUND" });
      const checked = await sink
        .quarantine("missing/a.json", "corrupt", { expected: new Uint8Array([1]) })
        .catch((e: unknown) => e);
      expect(checked, `lock ${lock}, expected`).toMatchObject({ code: "ERR_NOT_FOUND" });
    }
  });

  it("makes a quarantine without expected wait for the lock too, or fail ERR_LOCKED moving nothing", async () => {
    const dir = await dirs.make();
    await createFsSink({ dir }).write("a", textChunks("first"));
    const holder = await holdLock(dir);
    const impatient = createFsSink({ dir, lock: { waitMs: 40, pollMs: 5 } });
    const error = await impatient.quarantine("a", "corrupt").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_LOCKED", stage: "lock", details: { reason: "held" } });
    expect((await readdir(dir)).filter((name) => name.includes("corrupt"))).toEqual([]);
    expect(text(await impatient.read("a"))).toBe("first");
    const patient = createFsSink({ dir, lock: { waitMs: 5_000, pollMs: 5 } });
    let settled = false;
    const moving = patient.quarantine("a", "corrupt").finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    expect(text(await patient.read("a"))).toBe("first");
    holder.release();
    await holder.writing;
    const moved = await moving;
    // The holder's write landed first; the quarantine moved that version, after the lock was free.
    expect(text(await patient.read(moved))).toBe("holder");
    expect(await readdir(dir)).toEqual([moved]);
  });

  it("reports the wait when the lock frees up in time", async () => {
    const dir = await dirs.make();
    const holder = await holdLock(dir);
    const other = createFsSink({ dir, lock: { waitMs: 5_000, pollMs: 5 } });
    const contender = other.write("a", textChunks("contender"));
    setTimeout(() => holder.release(), 30);
    const result = await contender;
    expect(result.lockWaits).toBeGreaterThan(0);
    expect(result.lockWaitMs).toBeGreaterThan(0);
    await holder.writing;
    expect(text(await other.read("a"))).toBe("contender");
  });

  it("breaks the lock of a dead owner on this host at once", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, ".a.lock"), lockContent(await deadPid(), Date.now()));
    const sink = createFsSink({ dir, lock: { waitMs: 0 }, sweep: false });
    const result = await sink.write("a", textChunks("x"));
    expect(result.locksBroken).toBe(1);
    expect(await readdir(dir)).toEqual(["a"]);
  });

  it("breaks an expired lock of another host, judged by its heartbeat", async () => {
    const dir = await dirs.make();
    const now = 1_000_000;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    await writeFile(join(dir, ".a.lock"), lockContent(1, now - 10_001, "elsewhere"));
    await writeFile(join(dir, ".b.lock"), lockContent(1, now - 9_000, "elsewhere"));
    const sink = createFsSink({ dir, clock, lock: { staleMs: 10_000, waitMs: 0 }, sweep: false });
    expect((await sink.write("a", textChunks("x"))).locksBroken).toBe(1);
    await expect(sink.write("b", textChunks("x"))).rejects.toMatchObject({ code: "ERR_LOCKED" });
    expect((await readdir(dir)).sort()).toEqual([".b.lock", "a"]);
  });

  it("treats an unreadable lock file by its age", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, ".a.lock"), "");
    const sink = createFsSink({ dir, lock: { waitMs: 20, pollMs: 5 }, sweep: false });
    await expect(sink.write("a", textChunks("x"))).rejects.toMatchObject({ code: "ERR_LOCKED" });
    const later = createFsSink({
      dir,
      lock: { waitMs: 0, staleMs: 1 },
      sweep: false,
      clock: {
        now: () => Date.now() + 60_000,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      },
    });
    expect((await later.write("a", textChunks("x"))).locksBroken).toBe(1);
  });

  it("breaks an empty lock file older than the 2 s grace at once, without waiting", async () => {
    const dir = await dirs.make();
    // What a writer killed between creating a lock file and writing its record leaves behind.
    await writeFile(join(dir, ".a.lock"), "");
    const old = new Date(Date.now() - 10_000);
    await utimes(join(dir, ".a.lock"), old, old);
    const sink = createFsSink({ dir, lock: { waitMs: 0 }, sweep: false });
    const result = await sink.write("a", textChunks("x"));
    expect(result).toMatchObject({ locksBroken: 1, lockWaits: 0 });
    expect(await readdir(dir)).toEqual(["a"]);
  });

  it("waits for an empty lock file within the grace, judged on the sink's clock", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, ".a.lock"), '{"pid":');
    const mtime = (await stat(join(dir, ".a.lock"))).mtimeMs;
    const at = (offset: number): Clock => ({
      now: () => mtime + offset,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    });
    const early = createFsSink({ dir, clock: at(1_900), lock: { waitMs: 0 }, sweep: false });
    await expect(early.write("a", textChunks("x"))).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "held" },
    });
    const late = createFsSink({ dir, clock: at(2_100), lock: { waitMs: 0 }, sweep: false });
    expect((await late.write("a", textChunks("x"))).locksBroken).toBe(1);
    expect(await readdir(dir)).toEqual(["a"]);
  });

  it("reports a lock lost during the write as a failed write, leaving the target untouched", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a"), "old");
    const holder = await holdLock(dir);
    await rm(join(dir, ".a.lock"));
    await writeFile(join(dir, ".a.lock"), lockContent(process.ppid, Date.now()));
    holder.release();
    const error = await holder.writing.catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_LOCKED")).toBe(true);
    expect(error).toMatchObject({ stage: "lock", details: { reason: "lost" } });
    expect(await readFile(join(dir, "a"), "utf8")).toBe("old");
    expect(await tempFilesIn(dir)).toEqual([]);
    // The lock that replaced ours is not ours to remove.
    expect(JSON.parse(await readFile(join(dir, ".a.lock"), "utf8")).pid).toBe(process.ppid);
  });

  it("reports a removed lock file as lost", async () => {
    const dir = await dirs.make();
    const holder = await holdLock(dir);
    await rm(join(dir, ".a.lock"));
    holder.release();
    await expect(holder.writing).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost" },
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("aborts a lock wait with ERR_ABORTED at stage lock", async () => {
    const dir = await dirs.make();
    const holder = await holdLock(dir);
    const controller = new AbortController();
    const other = createFsSink({ dir, lock: { waitMs: 5_000, pollMs: 5 } });
    const contender = other.write("a", textChunks("x"), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(contender).rejects.toMatchObject({ code: "ERR_ABORTED", stage: "lock" });
    holder.release();
    await holder.writing;
  });

  it("refreshes the lock file while a long write holds it", async () => {
    const dir = await dirs.make();
    const gate = deferred();
    async function* held() {
      yield encoder.encode("x");
      await gate.promise;
    }
    // Generous against event-loop lag on a loaded machine: a beat every 200 ms, stale after 600 ms.
    const sink = createFsSink({ dir, lock: { staleMs: 600 } });
    const writing = sink.write("a", held());
    while (!(await readdir(dir)).includes(".a.lock")) await new Promise((r) => setTimeout(r, 2));
    const first = JSON.parse(await readFile(join(dir, ".a.lock"), "utf8")).refreshedAt;
    await new Promise((r) => setTimeout(r, 450));
    const later = JSON.parse(await readFile(join(dir, ".a.lock"), "utf8")).refreshedAt;
    expect(later).toBeGreaterThan(first);
    // A contender with the same staleMs sees a live owner, not an expired one.
    await expect(
      createFsSink({ dir, lock: { staleMs: 600, waitMs: 20, pollMs: 5 } }).write(
        "a",
        textChunks("y"),
      ),
    ).rejects.toMatchObject({ code: "ERR_LOCKED" });
    gate.resolve();
    await writing;
    expect(text(await sink.read("a"))).toBe("x");
  });

  describe("break claims", () => {
    function claimContent(pid: number, lockName: string, key: string, n: number): string {
      const self = processIdentity();
      return JSON.stringify({
        pid,
        hostname: hostname(),
        refreshedAt: Date.now(),
        acquiredAt: Date.now(),
        token: `claim/${key}/${n}/${encodeURIComponent(lockName)}`,
        threadId: 0,
        boot: self.boot,
        pidNs: self.pidNs,
        start: self.start,
      });
    }

    it("names the lock file in a claim's token as the file system spells it, never throwing", () => {
      expect(claimToken("/d/.a b.lock", "k", 1)).toBe("claim/k/1/.a%20b.lock");
      // A lone surrogate is stored as U+FFFD: the token names that file.
      expect(claimToken("/d/.s\uD800.lock", "k", 0)).toBe("claim/k/0/.s%EF%BF%BD.lock");
    });

    it("passes over a claim left by a dead breaker, and removes it with the broken lock", async () => {
      const dir = await dirs.make();
      const dead = await deadPid();
      await writeFile(join(dir, ".a.lock"), lockContent(dead, Date.now()));
      const claim = claimFileName(".a.lock", `${dead}-x`, 0);
      await writeFile(join(dir, claim), claimContent(dead, ".a.lock", `${dead}-x`, 0));
      const sink = createFsSink({ dir, lock: { waitMs: 0 }, sweep: false });
      expect((await sink.write("a", textChunks("x"))).locksBroken).toBe(1);
      expect(await readdir(dir)).toEqual(["a"]);
    });

    it("waits while a live party holds the claim on the lock it judged abandoned", async () => {
      const dir = await dirs.make();
      const dead = await deadPid();
      await writeFile(join(dir, ".a.lock"), lockContent(dead, Date.now()));
      const claim = claimFileName(".a.lock", `${dead}-x`, 0);
      await writeFile(join(dir, claim), claimContent(process.ppid, ".a.lock", `${dead}-x`, 0));
      const sink = createFsSink({ dir, lock: { waitMs: 30, pollMs: 5 }, sweep: false });
      await expect(sink.write("a", textChunks("x"))).rejects.toMatchObject({
        code: "ERR_LOCKED",
        details: { reason: "held" },
      });
      expect((await readdir(dir)).sort()).toEqual([".a.lock", claim].sort());
    });

    it("lets the sweep remove claims whose lock is gone, and keep those whose lock stands", async () => {
      const dir = await dirs.make();
      await writeFile(join(dir, ".b.lock"), lockContent(process.ppid, Date.now()));
      const stale = claimFileName(".a.lock", "gone-token", 0);
      const standing = claimFileName(".b.lock", `${process.ppid}-x`, 0);
      await writeFile(join(dir, stale), claimContent(process.ppid, ".a.lock", "gone-token", 0));
      await writeFile(
        join(dir, standing),
        claimContent(process.ppid, ".b.lock", `${process.ppid}-x`, 0),
      );
      await createFsSink({ dir }).sweep();
      expect((await readdir(dir)).sort()).toEqual([".b.lock", standing].sort());
    });

    it("judges a lock record of an older version by its heartbeat alone", async () => {
      const dir = await dirs.make();
      const dead = await deadPid();
      // No thread, boot, pid namespace or start: its pid may belong to another namespace.
      const legacy = { pid: dead, hostname: hostname(), refreshedAt: Date.now(), token: "old" };
      await writeFile(join(dir, ".a.lock"), JSON.stringify(legacy));
      const sink = createFsSink({ dir, lock: { waitMs: 20, pollMs: 5 }, sweep: false });
      if (processIdentity().pidNs === "0") {
        // No pid namespaces here (not Linux): the pid proves the owner dead.
        expect((await sink.write("a", textChunks("x"))).locksBroken).toBe(1);
      } else {
        await expect(sink.write("a", textChunks("x"))).rejects.toMatchObject({
          code: "ERR_LOCKED",
        });
      }
    });
  });
});
