import * as nodeFs from "node:fs/promises";
import { link, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { type JournalLock, openAppendLog, readAppendLog } from "../src/index.js";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function logPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-frozen-writer-"));
  made.push(dir);
  return join(dir, "log.jsonl");
}

/**
 * A lock every writer gets at once, as if each had broken the previous holder's after `staleMs`:
 * `breakAll()` makes every lock held so far report itself lost (`assertHeld` rejects), as a frozen
 * holder's does once another process broke it. `trusted` hands out locks without `assertHeld`.
 */
function breakableLock(trusted = false) {
  let generation = 0;
  const lock: JournalLock = {
    async acquire() {
      const mine = generation;
      const assertHeld = async (): Promise<void> => {
        if (mine === generation) return;
        throw new PersistenceError("ERR_LOCKED", "lost the lock", {
          stage: "lock",
          details: { reason: "lost" },
        });
      };
      return { release: async () => undefined, ...(trusted ? {} : { assertHeld }) };
    },
  };
  return {
    lock,
    breakAll: () => {
      generation += 1;
    },
  };
}

/** Rejects after `ms` unless `promise` settled first. */
function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not reached within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A gate the paused writer waits at: `reached` resolves once it is there (rejects after a
 * deadline), `open()` lets it on.
 */
function gate() {
  let reach = (): void => undefined;
  let open = (): void => undefined;
  const reached = within(
    new Promise<void>((r) => {
      reach = r;
    }),
  );
  const opened = new Promise<void>((r) => {
    open = r;
  });
  const wait = (): Promise<void> => {
    reach();
    return opened;
  };
  return { reached, open, wait };
}

/** Where {@link pausingFs} pauses a writer. */
type PausePoint = "write" | "rotate" | "drop";

/**
 * The real file system, with a writer paused (when armed) right before its next write to a file
 * (`"write"`), right before it gives the active file its rotated name (`"rotate"`: the first
 * `link` or `rename` from the active path), or right before it moves the active name aside to
 * drop it at the end of a rotation (`"drop"`: a `rename` to a `.rotating` name).
 */
function pausingFs(activePath: string) {
  let armed: { at: PausePoint; gate: ReturnType<typeof gate> } | undefined;
  const pauseAt = async (at: PausePoint): Promise<void> => {
    if (armed?.at !== at) return;
    const { gate: g } = armed;
    armed = undefined;
    await g.wait();
  };
  const wrapHandle = (handle: FsFileHandle): FsFileHandle =>
    new Proxy(handle, {
      get(target, key) {
        if (key === "writev") {
          return async (buffers: Uint8Array[], position?: number | null) => {
            await pauseAt("write");
            return target.writev(buffers, position);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const fs: FsPort = {
    ...(nodeFs as unknown as FsPort),
    open: async (path, flags, mode) => wrapHandle(await nodeFs.open(path, flags, mode)),
    link: async (from, to) => {
      if (from === activePath) await pauseAt("rotate");
      return nodeFs.link(from, to);
    },
    rename: async (from, to) => {
      if (from === activePath) await pauseAt(to.endsWith(".rotating") ? "drop" : "rotate");
      return nodeFs.rename(from, to);
    },
  };
  return {
    fs,
    arm(at: PausePoint) {
      const g = gate();
      armed = { at, gate: g };
      return g;
    },
  };
}

async function readLog(path: string) {
  const out: unknown[] = [];
  for await (const e of readAppendLog({ path })) {
    out.push("problem" in e ? { problem: e.problem, file: e.file } : [e.seq, e.value]);
  }
  return out;
}

const values = (name: string, from: number, to: number): [number, string][] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, `${name}${from + i}`]);

describe("an append log writer frozen past its lock's staleMs", () => {
  for (const trusted of [false, true]) {
    it(`never writes over the next holder's records; its batch fails with committed "unknown" (${trusted ? "a lock without assertHeld" : "the lock reports the loss"})`, async () => {
      const path = await logPath();
      const locks = breakableLock(trusted);
      const paused = pausingFs(path);
      const a = await openAppendLog({ path, fs: paused.fs, locker: locks.lock });
      for (let i = 1; i <= 3; i++) expect((await a.append(`a${i}`)).seq).toBe(i);

      const g = paused.arm("write");
      const a4 = a.append("a4");
      await g.reached;
      // Frozen right before its write: the next writer breaks the lock and appends.
      locks.breakAll();
      const b = await openAppendLog({ path, locker: locks.lock });
      for (let i = 4; i <= 6; i++) expect((await b.append(`b${i}`)).seq).toBe(i);
      g.open();

      const failure = await a4.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({
        code: "ERR_LOCKED",
        details: { reason: "lost", committed: "unknown" },
      });
      // The next append goes on after the highest seq, never reusing one.
      expect((await b.append("b7")).seq).toBe(7);
      await a.close();
      await b.close();

      expect(await readLog(path)).toEqual([
        ...values("a", 1, 3),
        ...values("b", 4, 6),
        { problem: "corrupt", file: "log.jsonl" },
        [7, "b7"],
      ]);
    });
  }

  for (const lock of ["append", "session"] as const) {
    it(`never renames the next holder's file over a rotated one while rotating (lock "${lock}")`, async () => {
      const path = await logPath();
      const locks = breakableLock();
      const paused = pausingFs(path);
      // Three records reach it: the fourth append rotates first.
      const rotate = { maxBytes: 130 };
      const a = await openAppendLog({ path, fs: paused.fs, locker: locks.lock, rotate, lock });
      for (let i = 1; i <= 3; i++) await a.append(`a${i}`);

      const g = paused.arm("rotate");
      const a4 = a.append("a4");
      await g.reached;
      locks.breakAll();
      const b = await openAppendLog({ path, locker: locks.lock, rotate, lock });
      for (let i = 4; i <= 6; i++) expect((await b.append(`b${i}`)).seq).toBe(i);
      g.open();

      const failure = await a4.then(
        () => undefined,
        (error: unknown) => error,
      );
      // The next holder rotated this writer's file meanwhile: refused before anything changed.
      expect(failure).toMatchObject({
        code: "ERR_STALE",
        details: { reason: "moved", committed: false },
      });
      await a.close();
      await b.close();
      expect(await readLog(path)).toEqual([...values("a", 1, 3), ...values("b", 4, 6)]);
    });
  }

  it("puts back the next holder's active file when frozen between its check and dropping the active name", async () => {
    const path = await logPath();
    const locks = breakableLock();
    const paused = pausingFs(path);
    const rotate = { maxBytes: 130 };
    const a = await openAppendLog({ path, fs: paused.fs, locker: locks.lock, rotate });
    for (let i = 1; i <= 3; i++) await a.append(`a${i}`);

    const g = paused.arm("drop");
    const a4 = a.append("a4");
    await g.reached;
    // The rotated name is in place, the active name not yet dropped: the next writer finishes the
    // rotation itself, creates the next file and appends.
    locks.breakAll();
    const b = await openAppendLog({ path, locker: locks.lock, rotate });
    for (let i = 4; i <= 6; i++) expect((await b.append(`b${i}`)).seq).toBe(i);
    g.open();

    const failure = await a4.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: "ERR_STALE",
      details: { reason: "moved", committed: false },
    });
    expect((await b.append("b7")).seq).toBe(7);
    await a.close();
    await b.close();
    expect(await readLog(path)).toEqual([...values("a", 1, 3), ...values("b", 4, 7)]);
    const left = (await readdir(join(path, ".."))).filter((f) => f.endsWith(".rotating"));
    expect(left).toEqual([]);
  });
});

describe("an append log rotation interrupted between its link and its unlink", () => {
  it("is read once, and finished by the next writer without appending to the rotated file", async () => {
    const path = await logPath();
    const log = await openAppendLog({ path });
    for (let i = 1; i <= 3; i++) await log.append(`a${i}`);
    await log.close();
    const rotated = join(path, "..", "log.0000000000000001.jsonl");
    await link(path, rotated);
    const before = await readFile(rotated);

    expect(await readLog(path)).toEqual(values("a", 1, 3));
    const next = await openAppendLog({ path });
    expect((await next.append("a4")).seq).toBe(4);
    await next.close();
    expect(await readFile(rotated)).toEqual(before);
    expect(await readLog(path)).toEqual(values("a", 1, 4));
  });
});

describe("readAppendLog racing a rotation", () => {
  for (const format of ["jsonl", "framed"] as const) {
    it(`reads the files rotated after its listing when the active file was just created (${format})`, async () => {
      const path = await logPath();
      const value = (i: number) => (format === "framed" ? new TextEncoder().encode(`v${i}`) : i);
      const log = await openAppendLog({ path, format });
      for (let i = 1; i <= 5; i++) await log.append(value(i));
      await log.rotate();
      for (let i = 6; i <= 10; i++) await log.append(value(i));
      await log.close();

      let listed = false;
      const fs: FsPort = {
        ...(nodeFs as unknown as FsPort),
        readdir: async (dir) => {
          const names = await readdir(dir);
          if (!listed) {
            listed = true;
            // Another writer rotates right after the listing, up to its new file's open.
            await nodeFs.rename(path, join(dir, "log.0000000000000006.jsonl"));
            await nodeFs.writeFile(path, "", { flag: "wx" });
          }
          return names;
        },
      };
      const seqs: unknown[] = [];
      for await (const e of readAppendLog({ path, fs })) seqs.push("problem" in e ? e : e.seq);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  }
});
