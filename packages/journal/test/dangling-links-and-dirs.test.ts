import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createJournalFollower,
  listSegments,
  openAppendLog,
  openJournal,
  readAppendLog,
  replayJournal,
} from "../src/index.js";
import { enc } from "./helpers.js";
import { canMkfifo, mkfifo, rejectionWithin, TempDirs } from "./real-fs.js";

const fs = nodeFs as unknown as FsPort;
const temps = new TempDirs("snapwrite-journal-links-");
afterEach(() => temps.removeAll());

/** A journal of two segments (seqs 1 and 2) in a fresh directory. */
async function twoSegments(): Promise<{ dir: string; segments: string[] }> {
  const dir = await temps.create();
  const journal = await openJournal({ dir, name: "j" });
  await journal.append(enc("one"));
  await journal.roll();
  await journal.append(enc("two"));
  await journal.close();
  return { dir, segments: await listSegments(fs, dir, "j") };
}

/** Every file of `dir` with its size, to show that nothing was created, moved or changed. */
async function snapshotOf(dir: string): Promise<string[]> {
  const names = (await nodeFs.readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => `${name}:${(await nodeFs.lstat(join(dir, name))).size}`),
  );
}

const dangling = (path: string) => ({
  code: "ERR_INVALID_TARGET",
  stage: "open",
  details: { reason: "dangling-symlink", path },
});

const notADirectory = (path: string) => ({
  code: "ERR_INVALID_TARGET",
  stage: "open",
  details: { reason: "not-a-directory", path },
});

/** The operations that take a directory, each run against `dir`. */
function entryPoints(dir: string): [string, () => Promise<unknown>][] {
  return [
    ["openJournal", () => openJournal({ dir, name: "j" })],
    ["replayJournal", () => replayJournal({ dir, name: "j" })],
    ["openAppendLog", () => openAppendLog({ path: join(dir, "log.jsonl") })],
    ["readAppendLog", () => readAppendLog({ path: join(dir, "log.jsonl") }).next()],
  ];
}

describe.skipIf(process.platform === "win32")("segments that are dangling symlinks", () => {
  it.each([0, 1])(
    "segment %i as a symlink that leads nowhere fails openJournal and replayJournal with ERR_INVALID_TARGET, changing no file",
    async (index) => {
      const { dir, segments } = await twoSegments();
      const path = join(dir, segments[index] as string);
      await nodeFs.rm(path);
      await nodeFs.symlink(join(dir, "gone"), path);
      const before = await snapshotOf(dir);
      expect(await rejectionWithin(openJournal({ dir, name: "j" }))).toMatchObject(dangling(path));
      expect(await rejectionWithin(replayJournal({ dir, name: "j" }))).toMatchObject(
        dangling(path),
      );
      expect(await snapshotOf(dir)).toEqual(before);
    },
  );

  it("a follower's poll rejects with ERR_INVALID_TARGET instead of taking the segment for one being created", async () => {
    const { dir, segments } = await twoSegments();
    const file = segments[1] as string;
    await nodeFs.rm(join(dir, file));
    await nodeFs.symlink("nowhere", join(dir, file));
    const follower = createJournalFollower({ dir, name: "j", afterSeq: 1 });
    expect(await rejectionWithin(follower.poll())).toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "dangling-symlink", path: join(dir, file) },
    });
  });
});

describe("a journal or log directory that is not a directory", () => {
  it.each(entryPoints("(set below)").map(([name]) => name))(
    "%s: a regular file at the directory's path, or at a parent's, is ERR_INVALID_TARGET not-a-directory",
    async (name) => {
      const base = await temps.create();
      const file = join(base, "file");
      await nodeFs.writeFile(file, "x");
      for (const dir of [file, join(file, "below")]) {
        const [, run] = entryPoints(dir).find(([entry]) => entry === name) as [
          string,
          () => Promise<unknown>,
        ];
        expect(await rejectionWithin(run())).toMatchObject(notADirectory(dir));
      }
      expect(await nodeFs.readFile(file, "utf8")).toBe("x");
    },
  );

  it.skipIf(!canMkfifo)(
    "a FIFO at the directory's path is ERR_INVALID_TARGET not-a-directory for every entry point, never waited on (needs mkfifo)",
    async () => {
      const base = await temps.create();
      const fifo = join(base, "fifo");
      mkfifo(fifo);
      for (const [name, run] of entryPoints(fifo)) {
        expect(await rejectionWithin(run()), name).toMatchObject(notADirectory(fifo));
      }
      expect((await nodeFs.lstat(fifo)).isFIFO()).toBe(true);
    },
  );
});
