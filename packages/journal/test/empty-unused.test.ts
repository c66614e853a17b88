import type { FsPort } from "@snapwrite/core";
import {
  type CrashableFs,
  createCrashableFs,
  createFaultyFs,
  createMemoryFs,
} from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal, SEGMENT_HEADER_BYTES, segmentFileName } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";

const allZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** The files of `fs`'s journal directory with their sizes. */
async function sizes(fs: FsPort): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const file of await fs.readdir(DIR)) out.set(file, (await fs.stat(`${DIR}/${file}`)).size);
  return out;
}

/** A journal on `crash` that rolls after every group or two, closed after a few appends. */
async function rollingJournal(crash: CrashableFs): Promise<void> {
  const journal = await openJournal({
    fs: crash,
    dir: DIR,
    name: "db",
    maxSegmentBytes: 70,
    preallocateBytes: 128,
  });
  for (const text of ["a1", "b1", "c1", "d1", "e1"]) await journal.append(enc(text));
  await journal.close();
}

describe("unused segments that hold nothing", () => {
  it("every crash state of size rolls: reopening deletes the segments that hold nothing, moves aside and reports the others", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 1500 });
    await rollingJournal(crash);
    const creates = crash.trace.filter((t) => t.op === "create" && t.path.includes(".wal."));
    expect(creates.length).toBeGreaterThanOrEqual(3);
    let removedSeen = 0;
    let keptSeen = 0;
    for (const state of crash.crashStates()) {
      const fs = state.fs();
      const segments = [...state.files].filter(([path]) => /\.wal\.[0-9a-f-]+$/.test(path));
      const empty = segments.filter(([, b]) => allZero(b)).map(([p]) => p.slice(DIR.length + 1));
      const before = await replayTexts(fs, DIR, "db");
      const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 128 });
      const context = `${state.description}\n${JSON.stringify([...(await sizes(fs))])}`;
      const { recovery } = journal;
      await journal.append(enc("after"));
      await journal.close();
      const after = await sizes(fs);
      // No file of zero bytes is left behind, as an unused segment or any other.
      for (const [file, size] of after) expect(size, `${file}: ${context}`).toBeGreaterThan(0);
      // Exactly the segments of only zeros (none, or the last one) were removed, not moved aside.
      expect([...recovery.removedEmpty].sort(), context).toEqual(empty.sort());
      for (const file of recovery.removedEmpty) {
        expect(
          recovery.quarantined.some((q) => q.startsWith(`${file}.`)),
          context,
        ).toBe(false);
      }
      // Every unused segment that holds something is moved aside and listed in quarantined.
      for (const q of recovery.quarantined.filter((n) => n.includes(".unused-"))) {
        expect(after.get(q), `${q}: ${context}`).toBeGreaterThan(0);
        keptSeen++;
      }
      removedSeen += recovery.removedEmpty.length;
      // The records are the same: nothing a record was in went.
      expect((await replayTexts(fs, DIR, "db", { recovery: "absolute" })).texts, context).toEqual([
        ...before.texts,
        "after",
      ]);
    }
    // Kills between a roll's create and its header write, and torn header writes, both occurred.
    expect(removedSeen).toBeGreaterThan(0);
    expect(keptSeen).toBeGreaterThan(0);
  });

  it("a last segment of only zeros (size kept, data lost) is deleted; one with a torn, non-zero header is moved aside", async () => {
    const seed = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs: seed, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    await journal.close();
    const [first] = await seed.readdir(DIR);
    const bytes = await seed.readFile(`${DIR}/${first}`);
    const zeros = segmentFileName("db", 2, 0);
    const torn = segmentFileName("db", 2, 1);
    for (const [file, content] of [
      [zeros, new Uint8Array(4096)],
      [torn, bytes.subarray(0, SEGMENT_HEADER_BYTES - 3)],
    ] as const) {
      const fs = createMemoryFs({ [`${DIR}/${first}`]: bytes, [`${DIR}/${file}`]: content });
      const reopened = await openJournal({ fs, dir: DIR, name: "db" });
      await reopened.close();
      const names = await fs.readdir(DIR);
      expect(names).not.toContain(file);
      if (file === zeros) {
        expect(reopened.recovery.removedEmpty).toEqual([zeros]);
        expect(reopened.recovery.quarantined).toEqual([]);
      } else {
        expect(reopened.recovery.removedEmpty).toEqual([]);
        const [aside] = reopened.recovery.quarantined;
        expect(aside).toMatch(new RegExp(`^${torn}\\.unused-`));
        expect(await fs.readFile(`${DIR}/${aside}`)).toEqual(content);
      }
      expect((await replayTexts(fs, DIR, "db")).texts).toEqual(["a"]);
    }
  });

  it("at open, zero-byte *.unused-* files of this journal are deleted durably; non-empty ones and other files stay", async () => {
    const seg = segmentFileName("db", 1, 0);
    const emptyAside = `${segmentFileName("db", 5, 0)}.unused-1700000000000-abc123`;
    const keptAside = `${segmentFileName("db", 6, 0)}.unused-1700000000000-def456`;
    const otherJournal = `${segmentFileName("other", 5, 0)}.unused-1700000000000-abc123`;
    const emptyTorn = `${seg}.torn-1700000000000-abc123`;
    const crash = createCrashableFs({
      files: {
        [`${DIR}/${emptyAside}`]: new Uint8Array(0),
        [`${DIR}/${keptAside}`]: Uint8Array.of(0, 0, 7),
        [`${DIR}/${otherJournal}`]: new Uint8Array(0),
        [`${DIR}/${emptyTorn}`]: new Uint8Array(0),
      },
    });
    const journal = await openJournal({ fs: crash, dir: DIR, name: "db" });
    expect(journal.recovery.removedEmpty).toEqual([emptyAside]);
    expect(journal.recovery.quarantined).toEqual([]);
    await journal.close();
    // After a power loss now: the deletion was made durable by the directory's fsync.
    const durable = await crash.crash().readdir(DIR);
    expect(durable.sort()).toEqual([keptAside, otherJournal, emptyTorn, seg].sort());
    const unlink = crash.trace.findIndex((t) => t.op === "unlink");
    expect(crash.trace.slice(unlink).some((t) => t.op === "fsync" && t.path === DIR)).toBe(true);
  });
});

describe("removing empty leftovers at open", () => {
  it("a failed unlink rejects at the directory-entry stage with details.op unlink, naming the file", async () => {
    const leftover = `${segmentFileName("db", 5, 0)}.unused-1700000000000-abc123`;
    const memory = createMemoryFs({ [DIR]: null, [`${DIR}/${leftover}`]: new Uint8Array(0) });
    const fs = createFaultyFs(memory, [{ op: "unlink", fault: { error: "EACCES" } }]);
    const error = await openJournal({ fs, dir: DIR, name: "db" }).then(
      () => expect.unreachable("the open succeeded"),
      (e: unknown) => e as { code: string; stage: string; target: string; details: object },
    );
    expect(error).toMatchObject({
      code: "ERR_PERMISSION",
      stage: "rename",
      target: leftover,
      details: { osCode: "EACCES", op: "unlink" },
    });
    expect(await memory.readdir(DIR)).toContain(leftover);
  });
});

describe("the time in the names of files moved aside", () => {
  /** A clock that reads fractions of a ms, as the default one does. */
  const fractionalClock = {
    now: () => 1_700_000_000_000.2456,
    setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };

  it("is whole ms, whatever fractions the clock reads", async () => {
    const torn = segmentFileName("db", 2, 0);
    const fs = createMemoryFs({
      [DIR]: null,
      // A segment whose header never became complete: moved aside as unused.
      [`${DIR}/${torn}`]: Uint8Array.of(1, 2, 3),
    });
    const journal = await openJournal({ fs, dir: DIR, name: "db", clock: fractionalClock });
    expect(journal.recovery.quarantined).toEqual([
      expect.stringMatching(new RegExp(`^${torn}\\.unused-1700000000000-[0-9a-z]{6}$`)),
    ]);
    await journal.close();
  });

  it("a zero-byte *.unused-* leftover named with fractions of a ms, as earlier versions named them, is deleted at open", async () => {
    const leftover = `${segmentFileName("db", 5, 0)}.unused-1700000000000.2456-abc123`;
    const fs = createMemoryFs({ [DIR]: null, [`${DIR}/${leftover}`]: new Uint8Array(0) });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.removedEmpty).toEqual([leftover]);
    await journal.close();
    expect(await fs.readdir(DIR)).not.toContain(leftover);
  });
});
