import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FsPort, isPermanentErrorCode, type PersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createJournalFollower, listSegments, openJournal, replayJournal } from "../src/index.js";
import { enc } from "./helpers.js";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => nodeFs.rm(dir, { recursive: true, force: true })));
});

/** A journal of two segments (seqs 1 and 2); returns its directory and segment file names. */
async function twoSegments(): Promise<{ dir: string; segments: string[] }> {
  const dir = await nodeFs.mkdtemp(join(tmpdir(), "snapwrite-journal-blocked-"));
  made.push(dir);
  const journal = await openJournal({ dir, name: "j" });
  await journal.append(enc("one"));
  await journal.roll();
  await journal.append(enc("two"));
  await journal.close();
  return { dir, segments: await listSegments(nodeFs as unknown as FsPort, dir, "j") };
}

/** Puts a symlink to `to` at segment `file`'s name, the segment kept aside; returns its path. */
async function linkInPlaceOf(dir: string, file: string, to: string): Promise<string> {
  const path = join(dir, file);
  await nodeFs.rename(path, join(dir, "kept"));
  await nodeFs.symlink(to, path);
  return path;
}

const blocked = (reason: string, osCode: string) => ({
  code: "ERR_INVALID_TARGET",
  stage: "open",
  details: { reason, osCode },
});

/** The rejection of `promise`, checked to be permanent in core's rules. */
async function permanentFailure(promise: Promise<unknown>): Promise<PersistenceError> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as PersistenceError;
  expect(error?.code).toBeDefined();
  expect(isPermanentErrorCode(error.code)).toBe(true);
  return error;
}

describe.skipIf(process.platform === "win32")(
  "a segment name no retry can make readable: ERR_INVALID_TARGET, as sink-fs reports it",
  () => {
    it("openJournal and replayJournal refuse a link loop at a segment's name, changing no file", async () => {
      const { dir, segments } = await twoSegments();
      const path = await linkInPlaceOf(dir, segments[1] as string, segments[1] as string);
      const before = (await nodeFs.readdir(dir)).sort();
      expect(await permanentFailure(openJournal({ dir, name: "j" }))).toMatchObject({
        ...blocked("symlink-loop", "ELOOP"),
        target: path,
      });
      expect(await permanentFailure(replayJournal({ dir, name: "j" }))).toMatchObject(
        blocked("symlink-loop", "ELOOP"),
      );
      expect((await nodeFs.readdir(dir)).sort()).toEqual(before);
    });

    it("openJournal and replayJournal refuse a segment link that leads through a file", async () => {
      const { dir, segments } = await twoSegments();
      await nodeFs.writeFile(join(dir, "afile"), "x");
      await linkInPlaceOf(dir, segments[0] as string, "afile/segment");
      const before = (await nodeFs.readdir(dir)).sort();
      expect(await permanentFailure(openJournal({ dir, name: "j" }))).toMatchObject(
        blocked("parent-not-a-directory", "ENOTDIR"),
      );
      expect(await permanentFailure(replayJournal({ dir, name: "j" }))).toMatchObject(
        blocked("parent-not-a-directory", "ENOTDIR"),
      );
      expect((await nodeFs.readdir(dir)).sort()).toEqual(before);
    });

    it("a follower's poll refuses a link loop at the next segment's name and keeps its seq", async () => {
      const { dir, segments } = await twoSegments();
      const follower = createJournalFollower({ dir, name: "j", afterSeq: 0 });
      expect((await follower.poll()).seq).toBe(2);
      const next = (segments[1] as string).replace("0000000000000002-", "0000000000000003-");
      expect(next).not.toBe(segments[1]);
      await nodeFs.symlink(next, join(dir, next));
      for (let round = 0; round < 2; round++) {
        expect(await permanentFailure(follower.poll())).toMatchObject({
          ...blocked("symlink-loop", "ELOOP"),
          target: next,
        });
        expect(follower.seq).toBe(2);
      }
    });

    it("a follower's poll refuses a segment link that leads through a file", async () => {
      const { dir, segments } = await twoSegments();
      await nodeFs.writeFile(join(dir, "afile"), "x");
      await linkInPlaceOf(dir, segments[0] as string, "afile/segment");
      const follower = createJournalFollower({ dir, name: "j", afterSeq: 0 });
      expect(await permanentFailure(follower.poll())).toMatchObject(
        blocked("parent-not-a-directory", "ENOTDIR"),
      );
      expect(follower.seq).toBe(0);
    });
  },
);
