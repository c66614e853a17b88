import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createJournalFollower, listSegments, openJournal, replayJournal } from "../src/index.js";
import { enc } from "./helpers.js";

/** Longest a refusal may take; a FIFO that is waited on never settles at all. */
const DEADLINE_MS = 5000;

const made: string[] = [];
const fifos: string[] = [];

afterEach(async () => {
  // A test that failed leaves an open() waiting on a FIFO for a writer: be that writer, so the
  // thread-pool thread it holds is freed.
  for (const fifo of fifos.splice(0)) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // Nobody is waiting on it.
    }
  }
  await Promise.all(made.splice(0).map((dir) => nodeFs.rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await nodeFs.mkdtemp(join(tmpdir(), "snapwrite-journal-fifo-"));
  made.push(dir);
  return dir;
}

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
  fifos.push(path);
}

/** `promise`, or a rejection saying it was still pending after {@link DEADLINE_MS}. */
async function settled<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still pending after ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A journal of two segments (seqs 1 and 2); returns its directory and segment file names. */
async function twoSegments(): Promise<{ dir: string; segments: string[] }> {
  const dir = await tempDir();
  const journal = await openJournal({ dir, name: "j" });
  await journal.append(enc("one"));
  await journal.roll();
  await journal.append(enc("two"));
  await journal.close();
  return { dir, segments: await listSegments(nodeFs as unknown as FsPort, dir, "j") };
}

/** Replaces segment `file` of `dir` with a FIFO; returns its path. */
async function fifoInPlaceOf(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  await nodeFs.rm(path);
  mkfifo(path);
  return path;
}

function notRegular(path: string) {
  return {
    code: "ERR_INVALID_TARGET",
    details: { reason: "not-a-regular-file", path },
  };
}

/**
 * The real file system, except that the first open of `file` for writing finds `swap(path)` done
 * first: what a FIFO or device put at the active segment's name after the replay looks like.
 */
function swappingFs(file: string, swap: (path: string) => Promise<void>): FsPort {
  let swapped = false;
  const fs = nodeFs as unknown as FsPort;
  const readOnly = (flags: string | number) =>
    flags === "r" || (typeof flags === "number" && (flags & 3) === constants.O_RDONLY);
  return {
    ...fs,
    async open(path, flags, mode) {
      if (!swapped && path.endsWith(file) && !readOnly(flags)) {
        swapped = true;
        await swap(path);
      }
      return fs.open(path, flags, mode);
    },
  };
}

describe.skipIf(process.platform === "win32")(
  "journal files that are not regular files (FIFOs, devices)",
  () => {
    it("openJournal refuses a FIFO segment with ERR_INVALID_TARGET instead of waiting on it", async () => {
      const { dir, segments } = await twoSegments();
      const path = await fifoInPlaceOf(dir, segments[1] as string);
      await expect(settled(openJournal({ dir, name: "j" }))).rejects.toMatchObject(
        notRegular(path),
      );
    });

    it("replayJournal refuses a FIFO segment, also one a symlink points to", async () => {
      const { dir, segments } = await twoSegments();
      const path = await fifoInPlaceOf(dir, segments[0] as string);
      await expect(settled(replayJournal({ dir, name: "j" }))).rejects.toMatchObject(
        notRegular(path),
      );
      await nodeFs.rm(path);
      const elsewhere = join(dir, "elsewhere");
      mkfifo(elsewhere);
      await nodeFs.symlink(elsewhere, path);
      await expect(settled(replayJournal({ dir, name: "j" }))).rejects.toMatchObject(
        notRegular(path),
      );
    });

    it("a follower's poll refuses a FIFO segment", async () => {
      const { dir, segments } = await twoSegments();
      const path = await fifoInPlaceOf(dir, segments[0] as string);
      const follower = createJournalFollower({ dir, name: "j", afterSeq: 0 });
      await expect(settled(follower.poll())).rejects.toMatchObject(notRegular(path));
      expect(follower.seq).toBe(0);
    });

    it("a segment that is a symlink to a device is refused, not read as an empty segment", async () => {
      const dir = await tempDir();
      const path = join(dir, "j.wal.0000000000000001-0000");
      await nodeFs.symlink("/dev/zero", path);
      await expect(settled(openJournal({ dir, name: "j" }))).rejects.toMatchObject(
        notRegular(path),
      );
      await expect(settled(replayJournal({ dir, name: "j" }))).rejects.toMatchObject(
        notRegular(path),
      );
      expect(await nodeFs.readdir(dir)).toEqual(["j.wal.0000000000000001-0000"]);
    });

    it("the active segment reopened for appends is refused when a FIFO took its place", async () => {
      const { dir, segments } = await twoSegments();
      const active = segments[1] as string;
      const fs = swappingFs(active, async (path) => {
        await nodeFs.rename(path, `${path}.kept`);
        mkfifo(path);
      });
      await expect(settled(openJournal({ dir, name: "j", fs }))).rejects.toMatchObject(
        notRegular(join(dir, active)),
      );
    });

    it("a torn last segment is refused when a device took its place before the repair syncs it", async () => {
      const { dir, segments } = await twoSegments();
      const active = segments[1] as string;
      await nodeFs.appendFile(join(dir, active), new Uint8Array([1, 2, 3]));
      const fs = swappingFs(active, async (path) => {
        await nodeFs.rename(path, `${path}.kept`);
        await nodeFs.symlink("/dev/null", path);
      });
      await expect(settled(openJournal({ dir, name: "j", fs }))).rejects.toMatchObject(
        notRegular(join(dir, active)),
      );
    });
  },
);
