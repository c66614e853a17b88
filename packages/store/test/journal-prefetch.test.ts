import { execFileSync } from "node:child_process";
import { constants } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { segmentFileName } from "@snapwrite/journal";
import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { JournalPrefetch } from "../src/durable-store/journal-prefetch.js";

const DIR = "/j";
const path = (firstSeq: number) => `${DIR}/${segmentFileName("s", firstSeq, 0)}`;

/**
 * A memory fs holding segments starting at seqs 1, 11 and 21, whose reads are counted: a
 * `readFile`, or an `open` with numeric flags (how a read-ahead opens a file it reads whole).
 * `failNext` makes the next counted read fail with EIO.
 */
function counted(): { fs: MemoryFs; reads: string[]; failNext: () => void } {
  const fs = createMemoryFs({
    [path(1)]: "first segment",
    [path(11)]: "second segment",
    [path(21)]: "third",
    [`${DIR}/s.snap.0000000000000014`]: "snapshot",
  });
  const reads: string[] = [];
  let fail = false;
  const count = (p: string) => {
    reads.push(p);
    if (!fail) return;
    fail = false;
    throw Object.assign(new Error("EIO"), { code: "EIO" });
  };
  const readFile = fs.readFile.bind(fs);
  fs.readFile = async (p: string) => {
    count(p);
    return readFile(p);
  };
  const open = fs.open.bind(fs);
  fs.open = async (p: string, flags: string | number, mode?: number) => {
    if (typeof flags === "number") count(p);
    return open(p, flags, mode);
  };
  return { fs, reads, failNext: () => (fail = true) };
}

/** Lets the memory fs's pending reads finish. */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("JournalPrefetch", () => {
  it("reads ahead only the segments holding records after the snapshot, and hands each over once", async () => {
    const { fs, reads } = counted();
    const prefetch = new JournalPrefetch(fs, DIR, "s", Promise.resolve(14), 1024);
    await prefetch.started;
    // The first segment ends at seq 10 (its successor starts at 11), all covered by the snapshot (14).
    expect(reads.sort()).toEqual([path(11), path(21)].sort());
    const journalFs = prefetch.fs;
    expect(text(await journalFs.readFile(path(11)))).toBe("second segment");
    expect(text(await journalFs.readFile(path(21)))).toBe("third");
    expect(reads).toHaveLength(2);
    // Handed over once: a second read, or one of a segment not read ahead, goes to the fs.
    expect(text(await journalFs.readFile(path(21)))).toBe("third");
    expect(text(await journalFs.readFile(path(1)))).toBe("first segment");
    expect(reads).toHaveLength(4);
  });

  it("reads a segment again when it grew after the read-ahead", async () => {
    const { fs, reads } = counted();
    const prefetch = new JournalPrefetch(fs, DIR, "s", Promise.resolve(0), 1024);
    await prefetch.started;
    await settleIo(); // the read-ahead has read the file's bytes
    fs.vol.appendFileSync(path(21), " and more");
    expect(text(await prefetch.fs.readFile(path(21)))).toBe("third and more");
    expect(reads.filter((p) => p === path(21))).toHaveLength(2);
  });

  it("stops reading ahead at the byte budget and reads nothing when the listing fails", async () => {
    const { fs, reads } = counted();
    const budget = "first segment".length + "second segment".length;
    await new JournalPrefetch(fs, DIR, "s", Promise.resolve(0), budget).started;
    expect(reads.sort()).toEqual([path(1), path(11)].sort());
    const failing = new JournalPrefetch(fs, DIR, "s", Promise.reject(new Error("no list")), 1024);
    await failing.started;
    expect(reads).toHaveLength(2);
    expect(text(await failing.fs.readFile(path(1)))).toBe("first segment");
  });

  it("leaves a failed read-ahead to the journal's own read, and discard drops what is unused", async () => {
    const { fs, reads, failNext } = counted();
    failNext();
    const prefetch = new JournalPrefetch(fs, DIR, "s", Promise.resolve(14), 1024);
    await prefetch.started;
    // The reads ahead start in chain order: the first one, of the second segment, failed.
    expect(reads[0]).toBe(path(11));
    expect(text(await prefetch.fs.readFile(path(11)))).toBe("second segment");
    prefetch.discard();
    const before = reads.length;
    await prefetch.fs.readFile(path(21));
    expect(reads.length).toBe(before + 1);
  });

  it("never blocks on a FIFO at a segment's name: every fs call of the read-ahead settles", async () => {
    const dir = await nodeFs.mkdtemp(join(tmpdir(), "prefetch-fifo-"));
    const fifo = join(dir, segmentFileName("s", 1, 0));
    execFileSync("mkfifo", [fifo]);
    // `node:fs/promises`, recording the promise of every call made through it.
    const calls: Promise<unknown>[] = [];
    const watched = new Proxy({} as FsPort, {
      get(_blank, property) {
        const value = Reflect.get(nodeFs, property);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = value.apply(nodeFs, args);
          if (result instanceof Promise) calls.push(result.catch(() => undefined));
          return result;
        };
      },
    });
    try {
      const prefetch = new JournalPrefetch(watched, dir, "s", Promise.resolve(0), 1024);
      await prefetch.started;
      expect(calls.length).toBeGreaterThan(0);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        Promise.all(calls).then(() => "settled"),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve("still waiting"), 2_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(outcome).toBe("settled");
      prefetch.discard();
    } finally {
      // A read blocked in the FIFO's open (before the fix) gets a writer and ends.
      await nodeFs
        .open(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
        .then((handle) => handle.close())
        .catch(() => undefined);
      await nodeFs.rm(dir, { recursive: true, force: true });
    }
  });
});
