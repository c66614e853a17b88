import { constants } from "node:fs";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import { createFaultyFs, createMemoryFs, type FsFaultPlan } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createFsSink, type FsSinkOptions } from "../src/index.js";
import { text, textChunks } from "./helpers.js";

const DIR = "/data";
const TARGET = `${DIR}/known.met`;
const TEMP = /\/\.known\.met\.[0-9]+-[0-9a-z-]+\.tmp$/;

function setup(plan: FsFaultPlan, options: Partial<FsSinkOptions> = {}) {
  const memory = createMemoryFs({ [TARGET]: "old content" });
  const fs = createFaultyFs(memory, plan);
  const sink = createFsSink({ dir: DIR, fs, renameRetry: { initialMs: 1, maxMs: 2 }, ...options });
  const names = () => Object.keys(memory.toJSON()).sort();
  const content = (path = TARGET) => memory.toJSON()[path];
  return { memory, fs, sink, names, content };
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPersistenceError(error)).toBe(true);
  return error as Record<string, unknown>;
}

describe("fault injection: stages, codes and cleanup", () => {
  it.each([
    ["mkdir", "EACCES", "open", "ERR_PERMISSION", undefined],
    ["open", "ENOSPC", "open", "ERR_NO_SPACE", TEMP],
    ["open", "EMFILE", "open", "ERR_BUSY", TEMP],
    ["open", "EACCES", "open", "ERR_PERMISSION", TEMP],
    ["writev", "EBUSY", "write", "ERR_BUSY", TEMP],
    ["writev", "EAGAIN", "write", "ERR_BUSY", TEMP],
    ["sync", "EROFS", "sync", "ERR_PERMISSION", TEMP],
    ["writev", "ENOSPC", "write", "ERR_NO_SPACE", TEMP],
    ["writev", "EDQUOT", "write", "ERR_NO_SPACE", TEMP],
    ["writev", "EIO", "write", "ERR_IO", TEMP],
    ["fchmod", "EPERM", "sync", "ERR_PERMISSION", TEMP],
    ["sync", "EIO", "sync", "ERR_IO", TEMP],
    ["sync", "ENOSPC", "sync", "ERR_NO_SPACE", TEMP],
    ["close", "EIO", "sync", "ERR_IO", TEMP],
    ["rename", "EROFS", "rename", "ERR_PERMISSION", TEMP],
    ["rename", "EIO", "rename", "ERR_IO", TEMP],
  ] as const)(
    "%s failing with %s fails at stage %s with %s, target untouched, temp removed",
    async (op, code, stage, expected, path) => {
      const { sink, names, content } = setup([{ op, path, fault: { error: code } }]);
      const error = await failure(sink.write("known.met", textChunks("new content")));
      expect(error).toMatchObject({ code: expected, stage, target: "known.met" });
      expect(error.cause).toMatchObject({ code });
      expect(error.details).toMatchObject({ osCode: code });
      expect(content()).toBe("old content");
      expect(names()).toEqual([TARGET]);
    },
  );

  it("fails at stage sync-dir when the directory cannot be opened or fsynced", async () => {
    for (const op of ["open", "sync"] as const) {
      const { sink, content, names } = setup([{ op, path: DIR, fault: { error: "EIO" } }]);
      const error = await failure(sink.write("known.met", textChunks("new content")));
      expect(error).toMatchObject({ code: "ERR_IO", stage: "sync-dir" });
      // The rename already happened: the new content is visible, its durability unknown.
      expect(content()).toBe("new content");
      expect(names()).toEqual([TARGET]);
    }
  });

  it.each(["EISDIR", "EINVAL"])(
    "treats %s from the directory fsync as unsupported: durable write, dirSynced false",
    async (code) => {
      const { sink, content } = setup([{ op: "sync", path: DIR, fault: { error: code } }]);
      const result = await sink.write("known.met", textChunks("new content"));
      expect(result).toMatchObject({ durable: true, dirSynced: false });
      expect(content()).toBe("new content");
    },
  );

  it("fails at stage lock when the lock file cannot be created", async () => {
    const { sink, content, names } = setup(
      [{ op: "open", path: /\.lock\.[0-9]+-[0-9a-z-]+\.tmp$/, fault: { error: "EACCES" } }],
      { lock: true },
    );
    const error = await failure(sink.write("known.met", textChunks("new")));
    expect(error).toMatchObject({ code: "ERR_PERMISSION", stage: "lock" });
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });

  it("fails at stage lock when linking the lock file fails, leaving no lock or temp file", async () => {
    const { sink, content, names } = setup(
      [{ op: "link", path: /\.lock\./, fault: { error: "EIO" } }],
      { lock: true },
    );
    const error = await failure(sink.write("known.met", textChunks("new")));
    expect(error).toMatchObject({ code: "ERR_IO", stage: "lock" });
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });

  it("creates the lock file with its owner record in place, by linking a private temp file", async () => {
    const memory = createMemoryFs({ [TARGET]: "old content" });
    const fs = createFaultyFs(memory, []);
    const sink = createFsSink({ dir: DIR, fs, lock: true });
    let seen: unknown;
    async function* source() {
      seen = JSON.parse(String(memory.toJSON()[`${DIR}/.known.met.lock`]));
      yield new TextEncoder().encode("new");
    }
    await sink.write("known.met", source());
    expect(seen).toMatchObject({ pid: process.pid });
    const lockCalls = fs.calls.filter((call) => call.path.includes(".known.met.lock"));
    // Never created under its own name: it appears by link(), atomically with its content (the
    // release only opens it to read the record it checks before the unlink).
    const created = (call: (typeof lockCalls)[number]) =>
      call.op === "open" &&
      call.path.endsWith(".lock") &&
      (typeof call.flags === "number"
        ? (call.flags & constants.O_CREAT) !== 0
        : call.flags !== "r");
    expect(lockCalls.some(created)).toBe(false);
    expect(lockCalls.some((call) => call.op === "link" && call.dest?.endsWith(".lock"))).toBe(true);
    expect(Object.keys(memory.toJSON())).toEqual([TARGET]);
  });

  it("falls back to O_EXCL on the lock file itself without hard links", async () => {
    const { sink, fs, content, names } = setup(
      [{ op: "link", path: /\.lock\./, fault: { error: "EPERM" }, times: Infinity }],
      { lock: true },
    );
    await sink.write("known.met", textChunks("new"));
    expect(content()).toBe("new");
    expect(names()).toEqual([TARGET]);
    expect(fs.calls.some((c) => c.op === "open" && c.path === `${DIR}/.known.met.lock`)).toBe(true);
  });

  it("fails at stage rename when the backup cannot be linked, keeping the old backup", async () => {
    const memory = createMemoryFs({ [TARGET]: "v1", [`${TARGET}.bak`]: "v0" });
    const fs = createFaultyFs(memory, [{ op: "link", fault: { error: "EIO" } }]);
    const sink = createFsSink({ dir: DIR, fs, backup: true });
    const error = await failure(sink.write("known.met", textChunks("v2")));
    expect(error).toMatchObject({
      code: "ERR_IO",
      stage: "rename",
      details: { op: "backup-link" },
    });
    expect(memory.toJSON()).toEqual({ [TARGET]: "v1", [`${TARGET}.bak`]: "v0" });
  });

  it("removes the staged backup when renaming it over the old one fails", async () => {
    const memory = createMemoryFs({ [TARGET]: "v1", [`${TARGET}.bak`]: "v0" });
    const fs = createFaultyFs(memory, [
      { op: "rename", path: /\.bak\.[0-9]+-[0-9a-z-]+\.tmp$/, fault: { error: "EIO" } },
    ]);
    const sink = createFsSink({ dir: DIR, fs, backup: true });
    await failure(sink.write("known.met", textChunks("v2")));
    expect(memory.toJSON()).toEqual({ [TARGET]: "v1", [`${TARGET}.bak`]: "v0" });
  });

  it("copies the backup where hard links are not supported", async () => {
    const memory = createMemoryFs({ [TARGET]: "v1" });
    const fs = createFaultyFs(memory, [{ op: "link", fault: { error: "ENOTSUP" } }]);
    const sink = createFsSink({ dir: DIR, fs, backup: true });
    await sink.write("known.met", textChunks("v2"));
    expect(memory.toJSON()).toEqual({ [TARGET]: "v2", [`${TARGET}.bak`]: "v1" });
  });

  it("keeps the original error when removing the temp file fails too", async () => {
    const { sink, memory } = setup([
      { op: "writev", fault: { error: "ENOSPC" } },
      { op: "unlink", path: TEMP, fault: { error: "EIO" } },
    ]);
    const error = await failure(sink.write("known.met", textChunks("new")));
    expect(error).toMatchObject({ code: "ERR_NO_SPACE", stage: "write" });
    expect(memory.toJSON()[TARGET]).toBe("old content");
  });

  it("maps read failures: EACCES to ERR_PERMISSION, EIO to ERR_IO", async () => {
    const { sink } = setup([
      { op: "open", path: TARGET, fault: { error: "EACCES" } },
      { op: "open", path: TARGET, nth: 2, fault: { error: "EIO" } },
    ]);
    await expect(sink.read("known.met")).rejects.toMatchObject({
      code: "ERR_PERMISSION",
      cause: { code: "EACCES" },
    });
    await expect(sink.read("known.met")).rejects.toMatchObject({ code: "ERR_IO" });
    expect(text(await sink.read("known.met"))).toBe("old content");
  });
});

describe("fault injection: torn and short writes", () => {
  it("fails a torn write with its error, never exposing the prefix", async () => {
    const { sink, content, names } = setup([
      { op: "writev", path: TEMP, fault: { torn: 0.5, error: "EIO" } },
    ]);
    const error = await failure(sink.write("known.met", textChunks("new content!")));
    expect(error).toMatchObject({ code: "ERR_IO", stage: "write" });
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });

  it("continues short writes where they stopped", async () => {
    const { sink, content, fs } = setup([
      { op: "writev", path: TEMP, times: 5, fault: { torn: 0.3 } },
    ]);
    const payload = "0123456789abcdefghijklmnopqrstuvwxyz";
    const result = await sink.write("known.met", textChunks(payload, 5));
    expect(result.bytes).toBe(payload.length);
    expect(content()).toBe(payload);
    const writes = fs.calls.filter((c) => c.op === "writev");
    expect(writes.filter((c) => c.outcome === "torn")).toHaveLength(5);
    let expected = 0;
    for (const call of writes) {
      expect(call.position).toBe(expected);
      expected += call.outcome === "torn" ? Math.floor((call.bytes ?? 0) * 0.3) : (call.bytes ?? 0);
    }
    expect(expected).toBe(payload.length);
  });

  it("gives up with ERR_IO when writev makes no progress", async () => {
    const { sink, content } = setup([
      { op: "writev", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { torn: 0 } },
    ]);
    const error = await failure(sink.write("known.met", textChunks("abc")));
    expect(error).toMatchObject({
      code: "ERR_IO",
      stage: "write",
      details: { reason: "no-progress" },
    });
    expect(content()).toBe("old content");
  });
});

describe("fault injection: rename retry", () => {
  it("retries transient rename failures and reports the attempts", async () => {
    const { sink, content } = setup([
      { op: "rename", path: TEMP, times: 2, fault: { error: "EBUSY" } },
    ]);
    const result = await sink.write("known.met", textChunks("new"));
    expect(result.renameAttempts).toBe(3);
    expect(content()).toBe("new");
  });

  it.each([
    ["EPERM", "ERR_PERMISSION"],
    ["EACCES", "ERR_PERMISSION"],
    ["EBUSY", "ERR_BUSY"],
  ])(
    "gives up on %s after the configured attempts with %s, never falling back to a copy",
    async (code, expected) => {
      const { sink, content, names, fs } = setup(
        [{ op: "rename", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { error: code } }],
        { renameRetry: { attempts: 4, initialMs: 1, maxMs: 1 } },
      );
      const error = await failure(sink.write("known.met", textChunks("new")));
      expect(error).toMatchObject({
        code: expected,
        stage: "rename",
        details: { attempts: 4, osCode: code },
      });
      expect(fs.calls.filter((c) => c.op === "rename")).toHaveLength(4);
      expect(fs.calls.some((c) => c.op === "open" && c.path === TARGET)).toBe(false);
      expect(content()).toBe("old content");
      expect(names()).toEqual([TARGET]);
    },
  );

  it("does not retry a permanent rename error", async () => {
    const { sink, fs } = setup([{ op: "rename", path: TEMP, fault: { error: "EXDEV" } }]);
    const error = await failure(sink.write("known.met", textChunks("new")));
    expect(error).toMatchObject({ code: "ERR_IO", details: { attempts: 1 } });
    expect(fs.calls.filter((c) => c.op === "rename")).toHaveLength(1);
  });

  it("waits a capped, jittered backoff between attempts on the clock", async () => {
    const waits: number[] = [];
    const clock = {
      now: () => 0,
      setTimeout: (fn: () => void, ms: number) => {
        waits.push(ms);
        return setTimeout(fn, 0);
      },
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const { sink } = setup([{ op: "rename", path: TEMP, times: 5, fault: { error: "EBUSY" } }], {
      clock,
      random: () => 0.5,
      renameRetry: { attempts: 6, initialMs: 10, maxMs: 40 },
    });
    expect((await sink.write("known.met", textChunks("new"))).renameAttempts).toBe(6);
    expect(waits).toEqual([7.5, 15, 30, 30, 30]);
  });

  it("aborts between rename attempts", async () => {
    const controller = new AbortController();
    const { sink, content, names } = setup([
      { op: "rename", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { error: "EBUSY" } },
    ]);
    setTimeout(() => controller.abort(), 5);
    const error = await failure(
      sink.write("known.met", textChunks("new"), { signal: controller.signal }),
    );
    expect(error).toMatchObject({ code: "ERR_ABORTED", stage: "rename" });
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });
});

describe("fault injection: ordering", () => {
  it("fsyncs the data before the rename and the directory after it", async () => {
    const { sink, fs } = setup([], { backup: true });
    await sink.write("known.met", textChunks("new content"));
    const calls = fs.calls.map((c) => ({ op: c.op, path: c.path, kind: c.kind, dest: c.dest }));
    const index = (predicate: (c: (typeof calls)[number]) => boolean) => {
      const at = calls.findIndex(predicate);
      expect(at).toBeGreaterThanOrEqual(0);
      return at;
    };
    const open = index((c) => c.op === "open" && TEMP.test(c.path));
    const firstWrite = index((c) => c.op === "writev");
    const chmod = index((c) => c.op === "fchmod");
    const dataSync = index((c) => c.op === "sync" && c.kind === "file");
    const close = index((c) => c.op === "close" && TEMP.test(c.path));
    const backupLink = index((c) => c.op === "link" && c.path === TARGET);
    const rename = index((c) => c.op === "rename" && c.dest === TARGET);
    const backupRename = index((c) => c.op === "rename" && c.dest === `${TARGET}.bak`);
    const dirSyncs = calls.flatMap((c, at) =>
      c.op === "sync" && c.kind === "directory" ? [at] : [],
    );
    expect(open).toBeLessThan(firstWrite);
    expect(firstWrite).toBeLessThan(chmod);
    expect(chmod).toBeLessThan(dataSync);
    expect(dataSync).toBeLessThan(close);
    expect(close).toBeLessThan(backupLink);
    expect(backupLink).toBeLessThan(backupRename);
    // The rotated backup is made durable before the primary is replaced, the rename after it.
    expect(dirSyncs).toHaveLength(2);
    expect(backupRename).toBeLessThan(dirSyncs[0] as number);
    expect(dirSyncs[0]).toBeLessThan(rename);
    expect(rename).toBeLessThan(dirSyncs[1] as number);
    expect(calls[(dirSyncs[1] as number) - 1]).toMatchObject({ op: "open", path: DIR });
    expect(fs.calls.find((c) => c.op === "open" && TEMP.test(c.path))?.flags).toBe("wx");
  });

  it("fsyncs the directory exactly once, after the rename, without backup", async () => {
    const { sink, fs } = setup([]);
    await sink.write("known.met", textChunks("new content"));
    const rename = fs.calls.findIndex((c) => c.op === "rename" && c.dest === TARGET);
    const dirSyncs = fs.calls.flatMap((c, at) =>
      c.op === "sync" && c.kind === "directory" ? [at] : [],
    );
    expect(dirSyncs).toHaveLength(1);
    expect(rename).toBeLessThan(dirSyncs[0] as number);
  });

  it('makes no fsync at all with durability "atomic"', async () => {
    const { sink, fs, content } = setup([], { durability: "atomic" });
    expect(await sink.write("known.met", textChunks("new"))).toMatchObject({ durable: false });
    expect(fs.calls.filter((c) => c.op === "sync" || c.op === "datasync")).toEqual([]);
    expect(content()).toBe("new");
  });

  it("aborts mid-write: temp removed, target untouched", async () => {
    const controller = new AbortController();
    const { sink, fs, content, names } = setup([], { batch: { maxBytes: 4 } });
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 100; i += 1) {
        pulled += 1;
        if (i === 10) controller.abort();
        yield new TextEncoder().encode(`chunk ${i};`);
      }
    }
    const error = await failure(sink.write("known.met", source(), { signal: controller.signal }));
    expect(error).toMatchObject({ code: "ERR_ABORTED", stage: "write" });
    expect(pulled).toBe(11);
    expect(fs.calls.filter((c) => c.op === "writev").length).toBe(10);
    expect(fs.calls.some((c) => c.op === "unlink" && TEMP.test(c.path))).toBe(true);
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });
});

describe("writev batching", () => {
  /** Wraps `inner` to record the buffers every writev receives. */
  function recording(inner: FsPort): { fs: FsPort; batches: Uint8Array[][] } {
    const batches: Uint8Array[][] = [];
    const wrap = (handle: FsFileHandle): FsFileHandle => ({
      fd: handle.fd,
      write: (...args) => handle.write(...args),
      writev: (buffers, position) => {
        batches.push([...buffers]);
        return handle.writev(buffers, position);
      },
      read: (...args) => handle.read(...args),
      sync: () => handle.sync(),
      datasync: () => handle.datasync(),
      stat: () => handle.stat(),
      chmod: (mode) => handle.chmod(mode),
      close: () => handle.close(),
    });
    return {
      batches,
      fs: { ...inner, open: async (...args) => wrap(await inner.open(...args)) },
    };
  }

  it("hands the chunks themselves to writev in bounded batches, never concatenated", async () => {
    const { fs, batches } = recording(createMemoryFs({ [DIR]: null }));
    const sink = createFsSink({ dir: DIR, fs });
    const chunks = Array.from({ length: 300 }, (_, i) => new Uint8Array(1000).fill(i & 0xff));
    const big = new Uint8Array(3 << 20).fill(7);
    await sink.write("known.met", [...chunks, big]);
    expect(batches.every((batch) => batch.length <= 64)).toBe(true);
    // 4 full batches of 64, then the 44 left and the big chunk, which pushes that batch over 1 MiB.
    expect(batches.map((batch) => batch.length)).toEqual([64, 64, 64, 64, 45]);
    for (let i = 0; i < 300; i += 1) expect(batches.flat()[i]).toBe(chunks[i]);
    expect(batches.at(-1)?.at(-1)).toBe(big);
    const back = await sink.read("known.met");
    expect(back.byteLength).toBe(300_000 + big.byteLength);
  });

  it("writes a batch once it reaches maxBytes", async () => {
    const { fs, batches } = recording(createMemoryFs({ [DIR]: null }));
    const sink = createFsSink({ dir: DIR, fs, batch: { maxBytes: 2500, maxChunks: 64 } });
    await sink.write(
      "known.met",
      Array.from({ length: 10 }, () => new Uint8Array(1000)),
    );
    expect(batches.map((batch) => batch.length)).toEqual([3, 3, 3, 1]);
  });

  it("skips empty chunks", async () => {
    const { fs, batches } = recording(createMemoryFs({ [DIR]: null }));
    const sink = createFsSink({ dir: DIR, fs });
    await sink.write("known.met", [new Uint8Array(0), new Uint8Array([1]), new Uint8Array(0)]);
    expect(batches).toEqual([[new Uint8Array([1])]]);
  });
});

describe("quarantine on a file system without hard links", () => {
  it("moves with one rename onto a claimed name, never replacing an earlier quarantine", async () => {
    const clock = {
      now: () => 77,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const memory = createMemoryFs({
      [TARGET]: "bad 2",
      [`${TARGET}.corrupt-77`]: "bad 1",
    });
    const fs = createFaultyFs(memory, [
      { op: "link", times: Number.POSITIVE_INFINITY, fault: { error: "EPERM" } },
    ]);
    const sink = createFsSink({ dir: DIR, fs, clock });
    expect(await sink.quarantine("known.met", "bad")).toBe("known.met.corrupt-77-1");
    expect(memory.toJSON()).toEqual({
      [`${TARGET}.corrupt-77`]: "bad 1",
      [`${TARGET}.corrupt-77-1`]: "bad 2",
    });
    const dirSync = fs.calls.findIndex((c) => c.op === "sync" && c.kind === "directory");
    const move = fs.calls.findIndex(
      (c) => c.op === "rename" && c.dest === `${TARGET}.corrupt-77-1`,
    );
    expect(move).toBeGreaterThanOrEqual(0);
    expect(move).toBeLessThan(dirSync);
    await expect(sink.quarantine("known.met", "again")).rejects.toMatchObject({
      code: "ERR_NOT_FOUND",
    });
  });
});

describe("close with a deadline", () => {
  it("rejects with ERR_TIMEOUT while a write hangs in fsync, then stays closed", async () => {
    const inner = createMemoryFs({ [DIR]: null });
    const hung = new Promise<never>(() => {});
    const fs: FsPort = {
      ...inner,
      open: async (...args) => {
        const handle = await inner.open(...args);
        return { ...handle, fd: handle.fd, sync: () => hung, datasync: () => hung };
      },
    };
    const sink = createFsSink({ dir: DIR, fs });
    const write = sink.write("known.met", [new Uint8Array([1, 2, 3])]);
    write.catch(() => undefined);
    const error = await sink.close({ timeoutMs: 20 }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: "ERR_TIMEOUT", details: { timeoutMs: 20 } });
    await expect(sink.write("known.met", [new Uint8Array([4])])).rejects.toMatchObject({
      code: "ERR_CLOSED",
    });
  });
});
