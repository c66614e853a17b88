import { createFsSink } from "@snapwrite/sink-fs";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  type CompactJournalOptions,
  compactJournal,
  createExclusiveFileLock,
  createJournalFollower,
  createSnapshotStore,
  type JournalFollowerOptions,
  type OpenJournalOptions,
  openJournal,
} from "../src/index.js";
import { enc, policyError, safeIntegerFrom } from "./helpers.js";

const DIR = "/j";

/** A journal of three records in a memory fs, closed. */
async function threeRecords() {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({ fs, dir: DIR, name: "db" });
  for (let i = 0; i < 3; i++) await journal.append(enc(`r${i}`));
  await journal.close();
  return fs;
}

/** The error for a bad seq: a `TypeError` for `null` (no option takes it for its default), else a `RangeError`. */
function seqError(value: unknown, message: string): Error {
  return value === null ? new TypeError(message) : new RangeError(message);
}

/** Seqs no state can cover: each is refused, never taken for "follow from nowhere". */
const BAD_SEQS: [value: unknown, shown: string][] = [
  [-1, "-1"],
  [Number.NaN, "NaN"],
  [2.5, "2.5"],
  ["2", '"2"'],
  [null, "null"],
  [Number.POSITIVE_INFINITY, "Infinity"],
  [2 ** 53, "9007199254740992"],
];

describe("createJournalFollower checks its options as openJournal does", () => {
  const follow = (fs: unknown, extra: Record<string, unknown>) =>
    createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0, ...extra } as never);

  it("a missing afterSeq is a TypeError saying what it is", async () => {
    const fs = await threeRecords();
    const options = { fs, dir: DIR, name: "db" } as unknown as JournalFollowerOptions;
    expect(() => createJournalFollower(options)).toThrow(
      new TypeError(
        "createJournalFollower: afterSeq is required (the seq the follower's state covers: a snapshot's seq, or 0)",
      ),
    );
    expect(() => follow(fs, { afterSeq: undefined })).toThrow(TypeError);
  });

  it("an afterSeq that is no safe integer ≥ 0 is the RangeError openJournal gives for it (null a TypeError)", async () => {
    const fs = await threeRecords();
    for (const [afterSeq, shown] of BAD_SEQS) {
      const error = seqError(afterSeq, `afterSeq must be a safe integer ≥ 0, got ${shown}`);
      expect(() => follow(fs, { afterSeq }), shown).toThrow(error.constructor as typeof Error);
      expect(() => follow(fs, { afterSeq }), shown).toThrow(
        `createJournalFollower: ${error.message}`,
      );
      const opened = openJournal({ fs, dir: DIR, name: "db", afterSeq } as OpenJournalOptions);
      await expect(opened, shown).rejects.toThrow(`openJournal: ${error.message}`);
      await expect(opened, shown).rejects.toBeInstanceOf(error.constructor);
    }
  });

  it("a dir or name openJournal refuses is the same TypeError", async () => {
    const fs = await threeRecords();
    for (const name of ["", "../db", "a/b", 5]) {
      expect(() => follow(fs, { name }), String(name)).toThrow(
        new TypeError("createJournalFollower: name must be a plain file name"),
      );
    }
    for (const dir of ["", undefined, 5]) {
      expect(() => follow(fs, { dir }), String(dir)).toThrow(
        new TypeError("createJournalFollower: dir is required"),
      );
    }
  });

  it("a maxRecordBytes that is no positive integer is a RangeError, no number a TypeError", async () => {
    const fs = await threeRecords();
    for (const maxRecordBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => follow(fs, { maxRecordBytes }), String(maxRecordBytes)).toThrow(
        policyError("createJournalFollower: maxRecordBytes", maxRecordBytes, safeIntegerFrom(1)),
      );
    }
    expect(() => follow(fs, { maxRecordBytes: 0 })).toThrow(RangeError);
    expect(() => follow(fs, { maxRecordBytes: "64" })).toThrow(
      new TypeError("createJournalFollower: maxRecordBytes must be a number, got string"),
    );
    expect(() => follow(fs, { maxRecordBytes: null })).toThrow(
      new TypeError("createJournalFollower: maxRecordBytes must be a number, got null"),
    );
  });

  it("valid options still follow: afterSeq 0 and a snapshot's seq, with a maxRecordBytes", async () => {
    const fs = await threeRecords();
    const all = await follow(fs, { maxRecordBytes: 64 }).poll();
    expect(all.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(all.reset).toBeUndefined();
    const rest = await follow(fs, { afterSeq: 2 }).poll();
    expect(rest.records.map((r) => r.seq)).toEqual([3]);
    expect(rest.seq).toBe(3);
  });
});

describe("openJournal checks syncWrites and lock before it touches anything", () => {
  const open = (extra: Record<string, unknown>) => {
    const fs = createMemoryFs({ "/base": null });
    const opened = openJournal({ fs, dir: "/base/j", name: "db", ...extra } as never);
    return { fs, opened };
  };

  it("a syncWrites that is no boolean is a TypeError naming it; the directory is not created", async () => {
    for (const [syncWrites, shown] of [
      ["yes", '"yes"'],
      [1, "1"],
      [null, "null"],
    ] as const) {
      const { fs, opened } = open({ syncWrites });
      await expect(opened, shown).rejects.toThrow(
        new TypeError(`openJournal: syncWrites must be a boolean, got ${shown}`),
      );
      expect(await fs.readdir("/base")).toEqual([]);
    }
    for (const syncWrites of [true, false, undefined]) {
      const { opened } = open({ syncWrites });
      await (await opened).close();
    }
  });

  it("a lock that is no JournalLock is a TypeError naming it; the directory is not created", async () => {
    for (const [lock, shown] of [
      [{}, "an object"],
      [{ acquire: 5 }, "an object"],
      [true, "true"],
      [null, "null"],
      ["exclusive", '"exclusive"'],
      [() => undefined, "a function"],
    ] as const) {
      const { fs, opened } = open({ lock });
      await expect(opened, shown).rejects.toThrow(
        new TypeError(
          `openJournal: lock must be a JournalLock, an object with acquire(path) (for example createExclusiveFileLock()), got ${shown}`,
        ),
      );
      expect(await fs.readdir("/base")).toEqual([]);
    }
    const fs = createMemoryFs({ "/base": null });
    const lock = createExclusiveFileLock({ fs });
    const journal = await openJournal({ fs, dir: "/base/j", name: "db", lock });
    await journal.append(enc("a"));
    await journal.close();
  });
});

describe("compactJournal checks seq before it syncs or rolls the journal", () => {
  it("a seq that is no safe integer ≥ 0 is a RangeError (null a TypeError); no file changes", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    for (let i = 0; i < 5; i++) await journal.append(enc(`x${i}`));
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    const snapshots = createSnapshotStore({ sink, name: "db", dir: DIR, fs });
    const files = (await fs.readdir(DIR)).sort();
    const state = journal.state;
    for (const [seq, shown] of [...BAD_SEQS, [undefined, "undefined"] as const]) {
      const options = { journal, snapshots, seq, chunks: [enc("s")] };
      const compacting = compactJournal(options as CompactJournalOptions);
      const error = seqError(seq, `compactJournal: seq must be a safe integer ≥ 0, got ${shown}`);
      await expect(compacting, shown).rejects.toThrow(error.message);
      await expect(compacting, shown).rejects.toBeInstanceOf(error.constructor);
      expect((await fs.readdir(DIR)).sort(), shown).toEqual(files);
      expect(journal.state, shown).toEqual(state);
    }
    const report = await compactJournal({ journal, snapshots, seq: 5, chunks: [enc("s")] });
    expect(report.snapshot).toBe("db.snap.0000000000000005");
    await journal.close();
  });
});
