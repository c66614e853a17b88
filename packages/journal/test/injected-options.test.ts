import { createFsSink } from "@snapwrite/sink-fs";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  type CompactJournalOptions,
  compactJournal,
  createJournalFollower,
  createSnapshotStore,
  type OpenAppendLogOptions,
  type OpenJournalOptions,
  openAppendLog,
  openJournal,
  type ReplayJournalOptions,
  readAppendLog,
  replayJournal,
} from "../src/index.js";
import { enc } from "./helpers.js";

const DIR = "/j";

describe("openJournal checks its clock and random before it creates the directory", () => {
  it.each([
    [{ clock: {} }, "openJournal: clock.now must be a function"],
    [{ clock: { now: 5 } }, "openJournal: clock.now must be a function"],
    [{ clock: 5 }, "openJournal: clock must be an object with now, setTimeout, clearTimeout"],
    [{ random: 1 }, "openJournal: random must be a function, got 1"],
    [{ random: "x" }, 'openJournal: random must be a function, got "x"'],
  ])("%j is a TypeError; nothing is created", async (extra, message) => {
    const fs = createMemoryFs({ "/root": null });
    const options = { fs, dir: "/root/j", name: "db", ...extra } as unknown as OpenJournalOptions;
    await expect(openJournal(options)).rejects.toThrow(new TypeError(message));
    expect(await fs.readdir("/root")).toEqual([]);
  });
});

/** An `fs` without the functions of an `FsPort`. */
const NO_PORT = {} as never;

describe("an fs that is no FsPort is a TypeError naming the caller, before any file is touched", () => {
  it("openJournal and replayJournal", async () => {
    const options = { fs: NO_PORT, dir: DIR, name: "db" };
    await expect(openJournal(options as OpenJournalOptions)).rejects.toThrow(
      new TypeError("openJournal: fs.open must be a function"),
    );
    await expect(replayJournal(options as ReplayJournalOptions)).rejects.toThrow(
      new TypeError("replayJournal: fs.open must be a function"),
    );
  });

  it("createJournalFollower, when it is created", () => {
    expect(() => createJournalFollower({ fs: NO_PORT, dir: DIR, name: "db", afterSeq: 0 })).toThrow(
      new TypeError("createJournalFollower: fs.open must be a function"),
    );
  });

  it("readAppendLog, when the iteration starts", async () => {
    const read = readAppendLog({ path: "/logs/chat.jsonl", fs: NO_PORT });
    await expect(read.next()).rejects.toThrow(
      new TypeError("readAppendLog: fs.open must be a function"),
    );
  });

  it.each([
    ["lock: false", { lock: false }],
    ["lock: session", { lock: "session" }],
    ["a locker", { locker: { acquire: async () => ({ release: async () => undefined }) } }],
  ])("openAppendLog with %s", async (_name, extra) => {
    const options = { path: "/logs/chat.jsonl", fs: NO_PORT, ...extra } as OpenAppendLogOptions;
    await expect(openAppendLog(options)).rejects.toThrow(
      new TypeError("openAppendLog: fs.open must be a function"),
    );
  });
});

describe("compactJournal checks every option before it syncs or rolls the journal", () => {
  it.each([
    [{ signal: 1 }, "compactJournal: signal must be an AbortSignal"],
    [{ chunks: 5 }, "compactJournal: chunks must be an iterable or async iterable of Uint8Array"],
    [{ snapshots: {} }, "compactJournal: snapshots.write must be a function"],
    [
      { snapshots: null },
      "compactJournal: snapshots must be a SnapshotStore (createSnapshotStore())",
    ],
    [{ beforeStep: 1 }, "compactJournal: beforeStep must be a function"],
  ])("%j is a TypeError; the journal and its files stay as they are", async (extra, message) => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    for (let i = 0; i < 3; i++) await journal.append(enc(`x${i}`));
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    const snapshots = createSnapshotStore({ sink, name: "db", dir: DIR, fs });
    const files = (await fs.readdir(DIR)).sort();
    const state = journal.state;
    const options = { journal, snapshots, seq: 3, chunks: [enc("s")], ...extra };
    await expect(compactJournal(options as unknown as CompactJournalOptions)).rejects.toThrow(
      new TypeError(message),
    );
    expect((await fs.readdir(DIR)).sort()).toEqual(files);
    expect(journal.state).toEqual(state);
    await journal.close();
  });
});
