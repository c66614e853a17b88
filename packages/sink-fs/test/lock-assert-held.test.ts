import * as nodeFs from "node:fs/promises";
import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { lockFile } from "../src/index.js";
import { claimPath } from "../src/lock/claim-file.js";
import { encodeOwner } from "../src/lock/owner-record.js";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(async () => {
  vi.restoreAllMocks();
  await dirs.cleanup();
});

/** node's fs, counting the calls that touch the lock file (opens, reads, writes through a path). */
function countingFs(): { fs: FsPort; calls: () => number } {
  let calls = 0;
  const fs = new Proxy(nodeFs as unknown as FsPort, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { fs, calls: () => calls };
}

/**
 * Moves the monotonic clock (`performance.now`, which `systemClock` reads) `ms` ahead, as a freeze
 * of the process does; the wall clock and the timers are left alone.
 */
function freezeFor(ms: number): void {
  const real = performance.now.bind(performance);
  vi.spyOn(performance, "now").mockImplementation(() => real() + ms);
}

const STALE_MS = 60_000;

describe("FileLock.assertHeld", () => {
  it("vouches without I/O while the record was confirmed recently", async () => {
    const dir = await dirs.make();
    const { fs, calls } = countingFs();
    const lock = await lockFile(join(dir, "a"), { staleMs: STALE_MS, fs });
    const before = calls();
    await lock.assertHeld();
    await lock.assertHeld();
    expect(calls()).toBe(before);
    await lock.release();
  });

  it("after a gap, refreshes the record and reads it back before vouching", async () => {
    const dir = await dirs.make();
    const { fs, calls } = countingFs();
    const lock = await lockFile(join(dir, "a"), { staleMs: STALE_MS, fs });
    const written = JSON.parse(await readFile(lock.lockPath, "utf8")).refreshedAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    freezeFor(STALE_MS);
    const before = calls();
    await lock.assertHeld();
    expect(calls()).toBeGreaterThan(before);
    expect(JSON.parse(await readFile(lock.lockPath, "utf8")).refreshedAt).toBeGreaterThan(written);
    // Confirmed now: the next one needs no I/O.
    const after = calls();
    await lock.assertHeld();
    expect(calls()).toBe(after);
    expect(lock.lost.aborted).toBe(false);
    await lock.release();
  });

  it("after a gap, rejects ERR_LOCKED lost when the lock was broken meanwhile, and fires lost", async () => {
    const dir = await dirs.make();
    const lock = await lockFile(join(dir, "a"), { staleMs: STALE_MS });
    const record = JSON.parse(await readFile(lock.lockPath, "utf8"));
    // What a contender does once it judged the lock abandoned: remove it and take its own.
    await rm(lock.lockPath);
    await writeFile(lock.lockPath, JSON.stringify({ ...record, token: "someone-else" }));
    // Without a gap it still vouches: nobody may break a lock that fresh.
    await lock.assertHeld();
    freezeFor(STALE_MS);
    await expect(lock.assertHeld()).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost" },
    });
    expect(lock.lost.aborted).toBe(true);
    // Once lost, always lost.
    vi.restoreAllMocks();
    await expect(lock.assertHeld()).rejects.toMatchObject({ details: { reason: "lost" } });
    await lock.release();
    expect(JSON.parse(await readFile(lock.lockPath, "utf8")).token).toBe("someone-else");
  });

  it("after a gap, does not vouch while a live claim on the lock shows a break under way", async () => {
    const dir = await dirs.make();
    const lock = await lockFile(join(dir, "a"), { staleMs: STALE_MS });
    const token = JSON.parse(await readFile(lock.lockPath, "utf8")).token as string;
    // A breaker of another live process holds claim 0 on this very lock and is about to unlink it.
    const now = Date.now();
    const claim = claimPath(lock.lockPath, token, 0);
    await writeFile(
      claim,
      encodeOwner({
        pid: process.ppid,
        hostname: hostname(),
        processStartedAt: 0,
        acquiredAt: now,
        refreshedAt: now,
        token: "claim/other",
        creator: undefined,
      }),
    );
    freezeFor(STALE_MS);
    await expect(lock.assertHeld()).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "unconfirmed" },
    });
    expect(lock.lost.aborted).toBe(false);
    // The breaker gave up (its claim is gone): the lock is confirmed again.
    await rm(claim);
    await lock.assertHeld();
    await lock.release();
  });
});
