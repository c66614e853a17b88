import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createJournalFollower,
  type JournalRecord,
  MAX_SEGMENT_BYTES,
  type OpenJournalOptions,
  openJournal,
  type ReplayJournalOptions,
  replayJournal,
} from "../src/index.js";
import { enc, policyError, safeIntegerFrom } from "./helpers.js";

const DIR = "/j";

describe("journal append arguments", () => {
  it("refuses a codecId that does not fit its u16 instead of storing another one", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    for (const codecId of [70000, 65536, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(journal.append(enc("x"), { codecId })).rejects.toThrow(
        new RangeError(
          `journal.append: codecId must be an integer from 0 to 65535 (got ${codecId})`,
        ),
      );
      await expect(journal.appendGroup([enc("x")], { codecId })).rejects.toBeInstanceOf(RangeError);
    }
    await expect(
      journal.append(enc("x"), { codecId: "7" as unknown as number }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      journal.appendGroup([enc("x")], { codecId: 7n as unknown as number }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(journal.state.lastSeq).toBe(0);
    // The bounds themselves are codecIds, and they come back as stored.
    await journal.append(enc("a"), { codecId: 0 });
    await journal.appendGroup([enc("b")], { codecId: 65535 });
    await journal.close();
    const records: JournalRecord[] = [];
    await replayJournal({ fs, dir: DIR, name: "db", onRecord: (r) => void records.push(r) });
    expect(records.map((r) => [r.seq, r.codecId])).toEqual([
      [1, 0],
      [2, 65535],
    ]);
  });
});

describe("journal options", () => {
  const fs = createMemoryFs({ [DIR]: null });
  const open = (extra: Partial<Record<keyof OpenJournalOptions, unknown>>) =>
    openJournal({ fs, dir: DIR, name: "db", ...extra } as OpenJournalOptions);

  it("openJournal() without options is a TypeError that says what is missing", async () => {
    for (const options of [undefined, null, "db"]) {
      await expect(openJournal(options as unknown as OpenJournalOptions)).rejects.toThrow(
        new TypeError("openJournal: options are required ({ dir, name, … })"),
      );
    }
  });

  it("replayJournal() without options is a TypeError that says what is missing, before any I/O", async () => {
    for (const options of [undefined, null, 5, "db", true]) {
      await expect(replayJournal(options as unknown as ReplayJournalOptions)).rejects.toThrow(
        new TypeError("replayJournal: options are required ({ dir, name, … })"),
      );
    }
  });

  it("replayJournal without a dir or a plain name is a TypeError, as for openJournal", async () => {
    await expect(
      replayJournal({ fs, name: "db" } as unknown as ReplayJournalOptions),
    ).rejects.toThrow(new TypeError("replayJournal: dir is required"));
    await expect(replayJournal({ fs, dir: DIR, name: "../db" })).rejects.toThrow(
      new TypeError("replayJournal: name must be a plain file name"),
    );
    await expect(
      replayJournal({ fs, dir: DIR } as unknown as ReplayJournalOptions),
    ).rejects.toThrow(new TypeError("replayJournal: name must be a plain file name"));
  });

  it("an unknown recovery mode is a TypeError naming the modes, for openJournal and replayJournal", async () => {
    const message =
      'recovery must be one of "tolerate-tail", "point-in-time", "absolute", "salvage" (got "salvge")';
    await expect(open({ recovery: "salvge" })).rejects.toThrow(
      new TypeError(`openJournal: ${message}`),
    );
    await expect(
      replayJournal({ fs, dir: DIR, name: "db", recovery: "salvge" as "salvage" }),
    ).rejects.toThrow(new TypeError(`replayJournal: ${message}`));
    expect(await fs.readdir(DIR)).toEqual([]);
  });

  it("callbacks that are not functions are TypeErrors before any file is touched", async () => {
    for (const key of ["onRecord", "onReplayEnd", "onEvent"]) {
      await expect(open({ [key]: 5 })).rejects.toThrow(
        new TypeError(`openJournal: ${key} must be a function`),
      );
    }
    await expect(
      replayJournal({ fs, dir: DIR, name: "db", onRecord: 5 as unknown as () => void }),
    ).rejects.toThrow(new TypeError("replayJournal: onRecord must be a function"));
    expect(await fs.readdir(DIR)).toEqual([]);
  });

  it("an unknown option key is a TypeError naming it, for every journal entry point, before any file is touched", async () => {
    await expect(open({ durabilty: "os" } as never)).rejects.toThrow(
      /^openJournal: unknown option "durabilty"; known: dir, name, fs, clock, durability, /,
    );
    await expect(open({ group: { maxByte: 10 } })).rejects.toThrow(
      new TypeError(
        'openJournal: unknown option "group.maxByte"; known: group.maxBytes, group.smallFirstBytes',
      ),
    );
    await expect(open({ group: 5 })).rejects.toBeInstanceOf(TypeError);
    await expect(open({ durability: { intervalMs: 5, interval: 5 } })).rejects.toThrow(
      new TypeError(
        'openJournal: unknown option "durability.interval"; known: durability.intervalMs',
      ),
    );
    await expect(replayJournal({ fs, dir: DIR, name: "db", firstSeq: 3 } as never)).rejects.toThrow(
      /^replayJournal: unknown option "firstSeq"; known: dir, name, fs, afterSeq, /,
    );
    expect(() =>
      createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0, aftreSeq: 0 } as never),
    ).toThrow(
      new TypeError(
        'createJournalFollower: unknown option "aftreSeq"; known: dir, name, fs, afterSeq, maxRecordBytes',
      ),
    );
    expect(() => createJournalFollower(undefined as never)).toThrow(TypeError);
    expect(await fs.readdir(DIR)).toEqual([]);
    // Every documented key is known.
    const journal = await openJournal({
      fs: createMemoryFs({ [DIR]: null }),
      dir: DIR,
      name: "db",
      clock: undefined,
      durability: { intervalMs: 50 },
      recovery: "tolerate-tail",
      maxRecordBytes: 1024,
      maxSegmentBytes: 4096,
      group: { maxBytes: 4096, smallFirstBytes: 1024 },
      syncWrites: false,
      preallocateBytes: 0,
      afterSeq: 0,
      onRecord: () => undefined,
      onReplayEnd: () => undefined,
      firstSeq: 1,
      lock: undefined,
      random: Math.random,
      onEvent: () => undefined,
    });
    await journal.close();
  });

  it("a maxSegmentBytes below a segment header and one record header, or above MAX_SEGMENT_BYTES, is a RangeError naming that bound", async () => {
    for (const maxSegmentBytes of [10, 59, 60.5, Number.NaN, 2 ** 32, 2 ** 60]) {
      const expected = policyError("openJournal: maxSegmentBytes", maxSegmentBytes, {
        ...safeIntegerFrom(60),
        max: MAX_SEGMENT_BYTES,
      });
      await expect(open({ maxSegmentBytes })).rejects.toThrow(expected);
    }
    await expect(open({ maxSegmentBytes: 59 })).rejects.toThrow(
      new RangeError("openJournal: maxSegmentBytes must be >= 60, got 59"),
    );
    await expect(open({ maxSegmentBytes: 2 ** 32 })).rejects.toThrow(
      new RangeError("openJournal: maxSegmentBytes must be <= 4294967295, got 4294967296"),
    );
    const largest = await openJournal({
      fs: createMemoryFs({ [DIR]: null }),
      dir: DIR,
      name: "db",
      maxSegmentBytes: MAX_SEGMENT_BYTES,
    });
    expect((await largest.append(enc("a"))).seq).toBe(1);
    await largest.close();
    expect(await fs.readdir(DIR)).toEqual([]);
    const journal = await open({ maxSegmentBytes: 60 });
    await journal.append(enc("a"));
    await journal.append(enc("b"));
    await journal.close();
    // Each record fills a segment of that size: it is rolled after every append.
    expect((await fs.readdir(DIR)).sort()).toEqual([
      "db.wal.0000000000000001-0000",
      "db.wal.0000000000000002-0000",
      "db.wal.0000000000000003-0000",
    ]);
  });
});
