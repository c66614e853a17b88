import { writeFileSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { createFsSink } from "@snapwrite/sink-fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  compactJournal,
  createJournalFollower,
  createSnapshotStore,
  encodeSegmentHeader,
  listSegments,
  openJournal,
  replayJournal,
  segmentFileName,
} from "../src/index.js";
import { dec, enc, replayTexts } from "./helpers.js";
import { rejectionWithin, TempDirs } from "./real-fs.js";
import { buildSegment } from "./segment-builder.js";

const temps = new TempDirs("journal-stale-roll-");
afterEach(() => temps.removeAll());

const NAME = "db";
const fs = nodeFs as unknown as FsPort;

/** A journal `a` wrote `first` to (synced), and a second writer `b` opened on it since. */
async function bothOpen(preallocateBytes?: number, first = ["a1", "a2"]) {
  const dir = await temps.create();
  const a = await openJournal({ dir, name: NAME, preallocateBytes });
  for (const t of first) await a.append(enc(t));
  await a.sync();
  const b = await openJournal({ dir, name: NAME, preallocateBytes });
  return { dir, a, b };
}

/**
 * Two writers on one journal, as when a frozen holder's lock was broken and it resumes inside a
 * step its lock check had already let through: `a` rolls after `b` took over the active segment.
 */
async function forked(preallocateBytes?: number) {
  const { dir, a, b } = await bothOpen(preallocateBytes);
  await a.roll();
  for (const t of ["b1", "b2"]) await b.append(enc(t));
  await b.sync();
  return { dir, a, b };
}

/** {@link forked}, then `b` rolls past the superseded segment and appends "b3"; both closed. */
async function rolledPast() {
  const { dir, a, b } = await forked();
  await b.roll();
  await b.append(enc("b3"));
  await a.close();
  await b.close();
  return { dir, files: await listSegments(fs, dir, NAME) };
}

/** Writes a predecessor holding `groups` and a successor at seq `firstSeq`, `recorded` bytes. */
async function handBuilt(
  groups: string[][],
  successor: {
    firstSeq: number;
    recorded: (offsets: number[], length: number) => number;
    holds: string[][];
    /** Whether the successor says its predecessor ends there (a roll); false: a seal. */
    prevComplete: boolean;
  },
  cut?: (bytes: Uint8Array) => Uint8Array,
) {
  const dir = await temps.create();
  const prev = buildSegment({ groups, salt: 11 });
  const next = buildSegment({ groups: successor.holds, firstSeq: successor.firstSeq, salt: 22 });
  const prevValidBytes = successor.recorded(
    prev.records.map((r) => r.offset),
    prev.bytes.byteLength,
  );
  next.bytes.set(
    encodeSegmentHeader({
      salt: 22,
      firstSeq: successor.firstSeq,
      createdAt: 0,
      prevValidBytes,
      prevComplete: successor.prevComplete,
    }),
  );
  writeFileSync(join(dir, segmentFileName(NAME, 1, 0)), cut ? cut(prev.bytes) : prev.bytes);
  writeFileSync(join(dir, segmentFileName(NAME, successor.firstSeq, 0)), next.bytes);
  return dir;
}

describe("a roll that lands after another writer took over the segment", () => {
  it("replays the other writer's acknowledged records instead of cutting them at the roll", async () => {
    const { dir, a, b } = await forked(0);
    await a.close();
    await b.close();
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1", "b2"]);
    expect(report.superseded).toEqual([
      {
        file: segmentFileName(NAME, 3, 0),
        predecessor: segmentFileName(NAME, 1, 0),
        recordedBytes: expect.any(Number),
      },
    ]);
    expect(report.lastSeq).toBe(4);
  });

  it("a writer moves the superseded segment aside and goes on after the other writer's records", async () => {
    const { dir, a, b } = await forked();
    await a.close();
    await b.close();
    const reopened = await openJournal({ dir, name: NAME });
    expect(reopened.recovery.quarantined).toEqual([
      expect.stringMatching(/^db\.wal\.0*3-0*0\.superseded-/),
    ]);
    expect((await reopened.append(enc("c1"))).seq).toBe(5);
    await reopened.roll();
    expect((await reopened.append(enc("c2"))).seq).toBe(6);
    await reopened.close();
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1", "b2", "c1", "c2"]);
    expect(report.superseded).toEqual([]);
  });

  it("leaves out a superseded segment in the middle, when the other writer rolled since", async () => {
    const { dir, files } = await rolledPast();
    expect(files).toHaveLength(3);
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1", "b2", "b3"]);
    expect(report.superseded.map((s) => s.file)).toEqual([files[1]]);
  });

  it("refuses a fork: both segments hold records of their own at the same seqs", async () => {
    const { dir, a, b } = await forked();
    // The frozen writer got one append through into the segment it rolled to.
    await a.append(enc("a3"));
    await a.close();
    await b.close();
    const refused = await rejectionWithin(replayJournal({ dir, name: NAME, fs }));
    expect(refused).toMatchObject({
      code: "ERR_CORRUPT",
      details: {
        reason: "fork",
        file: segmentFileName(NAME, 3, 0),
        predecessor: segmentFileName(NAME, 1, 0),
        seq: 3,
      },
    });
    await expect(rejectionWithin(openJournal({ dir, name: NAME }))).resolves.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "fork" },
    });
    // Nothing was changed: salvage still reports the fork and reads the later segment's side.
    const { texts, report } = await replayTexts(fs, dir, NAME, { recovery: "salvage" });
    expect(texts).toEqual(["a1", "a2", "a3"]);
    expect(report.damage).toEqual([expect.objectContaining({ reason: "fork" })]);
    // Moving the later segment out of the directory keeps the predecessor's side.
    await nodeFs.rename(join(dir, segmentFileName(NAME, 3, 0)), join(dir, "forked-aside"));
    expect((await replayTexts(fs, dir, NAME)).texts).toEqual(["a1", "a2", "b1", "b2"]);
  });
});

describe("shapes a single writer leaves are chained as before", () => {
  it("a seal cuts off the records whose sync failed and starts over at their seqs", async () => {
    const dir = await handBuilt([["a"], ["b"]], {
      firstSeq: 2,
      recorded: (offsets) => offsets[1] as number,
      holds: [["x"]],
      prevComplete: false,
    });
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a", "x"]);
    expect(report.superseded).toEqual([]);
    expect(report.damage).toEqual([]);
  });

  it("an empty seal's successor keeps the cut records out", async () => {
    const dir = await handBuilt([["a"], ["b"]], {
      firstSeq: 2,
      recorded: (offsets) => offsets[1] as number,
      holds: [],
      prevComplete: false,
    });
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a"]);
    expect(report.superseded).toEqual([]);
  });

  it("a roll's successor holding the same records as its predecessor's rest is no fork", async () => {
    const dir = await handBuilt([["a"], ["b"]], {
      firstSeq: 2,
      recorded: (offsets) => offsets[1] as number,
      holds: [["b"], ["c"]],
      prevComplete: true,
    });
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a", "b", "c"]);
    expect(report.superseded).toEqual([]);
    expect(report.damage).toEqual([]);
  });

  it("an empty successor after a repaired torn tail leaves the torn record out", async () => {
    // The predecessor's last record lost its end: a torn tail an open cut off before it.
    const dir = await handBuilt(
      [["a"], ["b", "c"]],
      {
        firstSeq: 3,
        recorded: (offsets) => offsets[2] as number,
        holds: [],
        prevComplete: true,
      },
      (bytes) => bytes.subarray(0, bytes.byteLength - 1),
    );
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a", "b"]);
    expect(report.superseded).toEqual([]);
  });

  it("an empty successor whose predecessor ends where it says is the journal's end", async () => {
    const dir = await handBuilt([["a"], ["b"]], {
      firstSeq: 3,
      recorded: (_offsets, length) => length,
      holds: [],
      prevComplete: true,
    });
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a", "b"]);
    expect(report.superseded).toEqual([]);
    expect(report.lastSeq).toBe(2);
  });
});

describe("a follower across a roll that lands after another writer took over", () => {
  async function twoWriters() {
    const { dir, a, b } = await bothOpen(0);
    const follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    const texts = async () => (await follower.poll()).records.map((r) => dec(r.payload));
    return { dir, a, b, follower, texts };
  }

  it("reads the other writer's records when the roll came after them", async () => {
    const { a, b, texts } = await twoWriters();
    expect(await texts()).toEqual(["a1", "a2"]);
    await b.append(enc("b1"));
    await a.roll();
    await b.append(enc("b2"));
    expect(await texts()).toEqual(["b1", "b2"]);
    await a.close();
    await b.close();
  });

  it("goes back from the empty segment it moved into once the other writer's records appear", async () => {
    const { a, b, follower, texts } = await twoWriters();
    await a.roll();
    expect(await texts()).toEqual(["a1", "a2"]);
    expect(await texts()).toEqual([]);
    await b.append(enc("b1"));
    await b.append(enc("b2"));
    expect(await texts()).toEqual(["b1", "b2"]);
    expect(follower.seq).toBe(4);
    await a.close();
    await b.close();
  });

  it("a new follower starts in the predecessor, not in the superseded segment", async () => {
    const { dir, a, b } = await twoWriters();
    await a.roll();
    await b.append(enc("b1"));
    const late = createJournalFollower({ dir, name: NAME, fs, afterSeq: 2 });
    expect((await late.poll()).records.map((r) => dec(r.payload))).toEqual(["b1"]);
    await a.close();
    await b.close();
  });

  it("rejects a fork with ERR_CORRUPT fork", async () => {
    const { a, b, texts, follower } = await twoWriters();
    expect(await texts()).toEqual(["a1", "a2"]);
    await a.roll();
    await a.append(enc("a3"));
    await b.append(enc("b1"));
    await expect(rejectionWithin(follower.poll())).resolves.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "fork", seq: 3 },
    });
    await a.close();
    await b.close();
  });
});

describe("a superseded segment whose predecessor the other writer compacted away", () => {
  /** `b` rolls past the superseded segment and drops segment 1, as a compaction at seq 4 would. */
  async function compactedAway() {
    const { dir, files } = await rolledPast();
    await nodeFs.unlink(join(dir, files[0] as string));
    return { dir, orphan: files[1] as string };
  }

  it("is left out: replay goes on from the next segment", async () => {
    const { dir, orphan } = await compactedAway();
    const { texts, report } = await replayTexts(fs, dir, NAME, { afterSeq: 4 });
    expect(texts).toEqual(["b3"]);
    expect(report.superseded).toEqual([
      { file: orphan, predecessor: null, recordedBytes: expect.any(Number) },
    ]);
    const reopened = await openJournal({ dir, name: NAME, afterSeq: 4 });
    expect(reopened.recovery.quarantined).toEqual([expect.stringContaining(".superseded-")]);
    expect((await reopened.append(enc("c1"))).seq).toBe(6);
    await reopened.close();
    expect((await replayTexts(fs, dir, NAME, { afterSeq: 4 })).texts).toEqual(["b3", "c1"]);
  });

  it("a follower behind it is told the seqs are gone, not stuck in it", async () => {
    const { dir } = await compactedAway();
    const follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 2 });
    expect(await follower.poll()).toMatchObject({ records: [], seq: 2, reset: "gap" });
    const ahead = createJournalFollower({ dir, name: NAME, fs, afterSeq: 4 });
    expect((await ahead.poll()).records.map((r) => dec(r.payload))).toEqual(["b3"]);
  });
});

describe("a stale roll that takes the next roll number at the same seq", () => {
  it("the other writer rolled first: the stale roll is superseded, not taken as its successor", async () => {
    const { dir, a, b } = await bothOpen(0);
    await b.roll();
    for (const t of ["b1", "b2"]) await b.append(enc(t));
    await a.roll();
    await a.close();
    await b.close();
    const files = await listSegments(fs, dir, NAME);
    expect(files).toEqual([
      segmentFileName(NAME, 1, 0),
      segmentFileName(NAME, 3, 0),
      segmentFileName(NAME, 3, 1),
    ]);
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1", "b2"]);
    expect(report.superseded.map((s) => s.file)).toEqual([segmentFileName(NAME, 3, 1)]);
    // As after the other writer's compaction: its first segment gone, replay from its snapshot.
    await nodeFs.unlink(join(dir, segmentFileName(NAME, 1, 0)));
    expect((await replayTexts(fs, dir, NAME, { afterSeq: 2 })).texts).toEqual(["b1", "b2"]);
    const reopened = await openJournal({ dir, name: NAME, afterSeq: 2 });
    expect((await reopened.append(enc("c1"))).seq).toBe(5);
    await reopened.close();
  });

  it("the other writer rolled right after: the stale empty segment is left out", async () => {
    const { dir, a, b } = await bothOpen(0);
    await a.roll();
    await b.roll();
    for (const t of ["b1", "b2"]) await b.append(enc(t));
    await a.close();
    await b.close();
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1", "b2"]);
    expect(report.superseded.map((s) => s.file)).toEqual([segmentFileName(NAME, 3, 0)]);
    const follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual([
      "a1",
      "a2",
      "b1",
      "b2",
    ]);
  });

  it("a follower that moved into the stale empty segment goes on in the other writer's", async () => {
    const { dir, a, b } = await bothOpen(0);
    const follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    await a.roll();
    expect((await follower.poll()).records).toHaveLength(2);
    await b.roll();
    await b.append(enc("b1"));
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual(["b1"]);
    await a.close();
    await b.close();
  });
});

describe("a stale segment whose records equal the other writer's", () => {
  it("is superseded when the predecessor holds them and more", async () => {
    const { dir, a, b } = await bothOpen(0, ["a1"]);
    await a.roll();
    await a.append(enc("same"));
    for (const t of ["same", "b2", "b3"]) await b.append(enc(t));
    await a.close();
    await b.close();
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "same", "b2", "b3"]);
    expect(report.superseded.map((s) => s.file)).toEqual([segmentFileName(NAME, 2, 0)]);
  });
});

describe("segment names stay in chain order", () => {
  it("a roll after a compaction freed a lower roll number at the same seq takes a higher one", async () => {
    const dir = await temps.create();
    const journal = await openJournal({ dir, name: NAME, preallocateBytes: 0 });
    for (const t of ["r1", "r2"]) await journal.append(enc(t));
    await journal.roll();
    await journal.roll();
    const snapshots = createSnapshotStore({ sink: createFsSink({ dir }), name: NAME, dir });
    await compactJournal({ journal, snapshots, seq: 2, chunks: [enc("snap")] });
    expect(await listSegments(fs, dir, NAME)).toEqual([segmentFileName(NAME, 3, 1)]);
    await journal.roll();
    await journal.append(enc("r3"));
    await journal.close();
    expect(await listSegments(fs, dir, NAME)).toEqual([
      segmentFileName(NAME, 3, 1),
      segmentFileName(NAME, 3, 2),
    ]);
    const { texts, report } = await replayTexts(fs, dir, NAME, { afterSeq: 2 });
    expect(texts).toEqual(["r3"]);
    expect(report.superseded).toEqual([]);
  });
});

describe("more stale-roll orders", () => {
  it("the other writer rolled twice before the stale roll landed", async () => {
    const { dir, a, b } = await bothOpen(0);
    await b.roll();
    await b.roll();
    await a.roll();
    await a.close();
    // Before the other writer appends anything: its two empty rolls, then the stale one.
    const before = await replayTexts(fs, dir, NAME);
    expect(before.texts).toEqual(["a1", "a2"]);
    expect(before.report.superseded.map((s) => s.file)).toEqual([segmentFileName(NAME, 3, 2)]);
    await b.append(enc("b1"));
    await b.close();
    const { texts, report } = await replayTexts(fs, dir, NAME);
    expect(texts).toEqual(["a1", "a2", "b1"]);
    expect(report.superseded.map((s) => s.file)).toEqual([segmentFileName(NAME, 3, 2)]);
  });

  it("a follower in the other writer's empty roll reads on when the stale roll lands beside it", async () => {
    const { dir, a, b } = await bothOpen(0);
    const follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    await b.roll();
    expect((await follower.poll()).records).toHaveLength(2);
    await a.roll();
    expect((await follower.poll()).records).toEqual([]);
    for (const t of ["b1", "b2"]) await b.append(enc(t));
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual(["b1", "b2"]);
    await a.close();
    await b.close();
  });
});

describe("a follower and a segment created again under the same name", () => {
  it("reads the new segment when a failed roll's segment was removed and the retried roll made it again", async () => {
    const dir = await temps.create();
    let failDirSync = false;
    let follower: ReturnType<typeof createJournalFollower> | undefined;
    const seen: number[] = [];
    const poll = async () => {
      const found = await (follower as ReturnType<typeof createJournalFollower>).poll();
      seen.push(...found.records.map((r) => r.seq));
    };
    // The directory's fsync fails once, after the roll's new segment was written: the roll
    // removes it again; a follower polls while it exists.
    const failing = {
      ...nodeFs,
      open: async (path: string, ...rest: unknown[]) => {
        const handle = await (nodeFs.open as (...args: unknown[]) => Promise<nodeFs.FileHandle>)(
          path,
          ...rest,
        );
        if (path !== dir) return handle;
        return new Proxy(handle, {
          get(target, key) {
            if (key === "sync" || key === "datasync") {
              return async () => {
                if (!failDirSync) return target.sync();
                failDirSync = false;
                await poll();
                throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
              };
            }
            const value = Reflect.get(target, key) as unknown;
            return typeof value === "function" ? value.bind(target) : value;
          },
        });
      },
    } as unknown as FsPort;
    const journal = await openJournal({ dir, name: NAME, fs: failing, preallocateBytes: 0 });
    follower = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    for (const t of ["r1", "r2", "r3"]) await journal.append(enc(t));
    await poll();
    failDirSync = true;
    await expect(journal.roll()).rejects.toMatchObject({ code: "ERR_IO" });
    await journal.roll();
    for (const t of ["r4", "r5"]) await journal.append(enc(t));
    await poll();
    await journal.close();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("a compaction and a stale writer's segment", () => {
  it("sets aside the stale segment at seqs its snapshot covers, so its records never read as history", async () => {
    const dir = await temps.create();
    const a = await openJournal({ dir, name: NAME, preallocateBytes: 0 });
    const b = await openJournal({ dir, name: NAME, preallocateBytes: 0 });
    await a.roll();
    for (const t of ["b1", "b2"]) await b.append(enc(t));
    const snapshots = createSnapshotStore({ sink: createFsSink({ dir }), name: NAME, dir });
    await compactJournal({ journal: b, snapshots, seq: 2, chunks: [enc("snap")] });
    // The stale writer's group lands after the compaction, in the file it still holds open.
    await a.appendGroup([enc("a1"), enc("a2")]);
    await b.append(enc("b3"));
    await a.close();
    await b.close();
    const files = await readdir(dir);
    expect(files.filter((f) => f.includes(".foreign-"))).toEqual([
      expect.stringMatching(/^db\.wal\.0*1-0*1\.foreign-/),
    ]);
    expect((await replayTexts(fs, dir, NAME, { afterSeq: 2 })).texts).toEqual(["b3"]);
    // Below the snapshot the journal has nothing to offer: a follower there is told so.
    const behind = createJournalFollower({ dir, name: NAME, fs, afterSeq: 0 });
    expect(await behind.poll()).toMatchObject({ records: [], reset: "gap" });
  });
});
