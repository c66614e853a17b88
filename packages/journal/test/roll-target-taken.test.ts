import { mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { listSegments, openJournal, segmentFileName } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";
import { rejectionWithin, TempDirs } from "./real-fs.js";

const temps = new TempDirs("journal-roll-target-");
afterEach(() => temps.removeAll());

const NAME = "db";
const fs = nodeFs as unknown as FsPort;

/** A journal on the real disk with records "a", "b", "c"; still open. */
async function threeRecords(maxSegmentBytes?: number) {
  const dir = await temps.create();
  const journal = await openJournal({ dir, name: NAME, preallocateBytes: 0, maxSegmentBytes });
  for (const t of ["a", "b", "c"]) await journal.append(enc(t));
  return { dir, journal };
}

const refused = {
  code: "ERR_INVALID_TARGET",
  details: { reason: "not-a-regular-file" },
};

describe("a directory at the next segment's name", () => {
  it("refuses roll() and turns read-only, as the next open refuses the journal", async () => {
    const { dir, journal } = await threeRecords();
    const taken = join(dir, segmentFileName(NAME, 4, 0));
    mkdirSync(taken);
    await expect(rejectionWithin(journal.roll())).resolves.toMatchObject(refused);
    expect(journal.state.mode).toBe("read-only");
    await expect(rejectionWithin(journal.append(enc("d")))).resolves.toMatchObject({
      details: { readOnly: true, committed: false },
      cause: refused,
    });
    await journal.close();
    // No segment was started past it: the same refusal at the next open, then the same journal.
    expect(await listSegments(fs, dir, NAME)).toEqual([
      segmentFileName(NAME, 1, 0),
      basename(taken),
    ]);
    await expect(rejectionWithin(openJournal({ dir, name: NAME }))).resolves.toMatchObject({
      ...refused,
      details: { ...refused.details, path: taken },
    });
    rmdirSync(taken);
    const reopened = await openJournal({ dir, name: NAME });
    expect((await reopened.append(enc("d"))).seq).toBe(4);
    await reopened.close();
    expect((await replayTexts(fs, dir, NAME)).texts).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses a roll by size after the group that reached the size is acknowledged", async () => {
    const { dir, journal } = await threeRecords(4096);
    mkdirSync(join(dir, segmentFileName(NAME, 5, 0)));
    const big = await journal.append(new Uint8Array(5000));
    expect(big.seq).toBe(4);
    // The roll runs before the next append is taken from the queue.
    await expect(rejectionWithin(journal.append(enc("e")))).resolves.toMatchObject({
      cause: refused,
    });
    expect(journal.state.mode).toBe("read-only");
    await journal.close();
    await expect(rejectionWithin(openJournal({ dir, name: NAME }))).resolves.toMatchObject(refused);
  });

  it("still takes the next roll number past a regular file at the name", async () => {
    const { dir, journal } = await threeRecords();
    writeFileSync(join(dir, segmentFileName(NAME, 4, 0)), "");
    const rolled = await journal.roll();
    expect(rolled).toBe(segmentFileName(NAME, 4, 1));
    expect(journal.state.mode).toBe("ok");
    await journal.close();
    expect((await readdir(dir)).filter((f) => f.includes(".wal.")).sort()).toEqual(
      [
        segmentFileName(NAME, 1, 0),
        segmentFileName(NAME, 4, 0),
        segmentFileName(NAME, 4, 1),
      ].sort(),
    );
  });
});
