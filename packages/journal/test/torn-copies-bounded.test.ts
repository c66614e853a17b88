import { createFaultyFs, createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal, parseSegmentFileName, segmentFileName } from "../src/index.js";
import { enc } from "./helpers.js";

const DIR = "/j";
const NAME = "db";

/** The copies of torn tails in the directory, and those whose segment is still there. */
async function tornCopies(fs: MemoryFs): Promise<{ all: string[]; ofPresent: string[] }> {
  const files = await fs.readdir(DIR);
  const all = files.filter((f) => f.includes(".torn-")).sort();
  return { all, ofPresent: all.filter((f) => files.includes(f.split(".torn-")[0] as string)) };
}

/** A process killed in the middle of its next write: part of a record at the last segment's end. */
async function tearLastSegment(fs: MemoryFs): Promise<void> {
  const segments = (await fs.readdir(DIR))
    .filter((f) => parseSegmentFileName(NAME, f) !== undefined)
    .sort();
  fs.vol.appendFileSync(`${DIR}/${segments.at(-1)}`, Buffer.alloc(4096, 0xab));
}

describe("copies of torn tails", () => {
  it("go with their segments: torn again on every reopen, compacted every round, they stay bounded", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    let covered = 0;
    for (let round = 1; round <= 20; round++) {
      const journal = await openJournal({
        fs,
        dir: DIR,
        name: NAME,
        preallocateBytes: 0,
        afterSeq: covered,
      });
      if (round > 1) expect(journal.recovery.tail).toMatchObject({ reason: "torn" });
      for (let i = 0; i < 3; i++) await journal.append(enc(`r${round}-${i}`));
      await journal.roll();
      // A snapshot covers everything so far: the compaction removes the segments before it.
      covered = journal.state.lastSeq;
      const removed = await journal.removeSegmentsThrough(covered);
      // The copy made at this open went with the segment it was made of, and was reported.
      const copies = removed.filter((f) => f.includes(".torn-"));
      expect(copies).toHaveLength(round > 1 ? 1 : 0);
      for (const copy of copies) expect(removed).toContain(copy.split(".torn-")[0]);
      await journal.append(enc(`r${round}-last`));
      await journal.close();
      await tearLastSegment(fs);
      expect((await tornCopies(fs)).all).toEqual([]);
    }
    const journal = await openJournal({ fs, dir: DIR, name: NAME, afterSeq: covered });
    expect(journal.state.lastSeq).toBe(covered + 1);
    await journal.close();
    const { all, ofPresent } = await tornCopies(fs);
    expect(all).toHaveLength(1);
    expect(ofPresent).toEqual(all);
  });

  it("of segments deleted before, and of segments moved aside, go with the next removal that covers them; others stay", async () => {
    const seg = (seq: number) => segmentFileName(NAME, seq, 0);
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: NAME, preallocateBytes: 0 });
    for (let i = 0; i < 3; i++) await journal.append(enc(`a${i}`));
    await journal.roll();
    await journal.append(enc("b"));
    const leftovers = {
      // A segment deleted by a version that kept its copies.
      gone: `${segmentFileName(NAME, 0, 0)}.torn-1700000000000-abc123`,
      // Named with fractions of a ms, as earlier versions named copies.
      goneFractional: `${segmentFileName(NAME, 2, 7)}.torn-1700000000000.2456-def456`,
      // The copy of a segment that is still there: it stays.
      present: `${seg(1)}.torn-1700000000000-abc123`,
      // A segment past the seq removed through: it stays.
      later: `${seg(50)}.torn-1700000000000-abc123`,
      // Names that are no copy of this journal's segments: they stay.
      otherJournal: `${segmentFileName("other", 1, 0)}.torn-1700000000000-abc123`,
      notExact: `${segmentFileName(NAME, 0, 1)}.torn-1700000000000-abc123.bak`,
    };
    for (const file of Object.values(leftovers)) fs.vol.writeFileSync(`${DIR}/${file}`, "x");
    // The segment of `goneFractional`, moved aside by an open: its bytes (the torn tail too) stay.
    const movedAside = `${segmentFileName(NAME, 2, 7)}.superseded-1700000000000-abc123`;
    fs.vol.writeFileSync(`${DIR}/${movedAside}`, "x");
    // A directory so named is left alone too.
    const directory = `${segmentFileName(NAME, 0, 2)}.torn-1700000000000-abc123`;
    fs.vol.mkdirSync(`${DIR}/${directory}`);

    // Nothing covers seq 0 yet but the deleted segments of seq 0 and 2; seg(1) holds seqs 1-3.
    expect(await journal.removeSegmentsThrough(0)).toEqual([leftovers.gone]);
    expect(await journal.removeSegmentsThrough(3)).toEqual([
      seg(1),
      leftovers.present,
      leftovers.goneFractional,
    ]);
    await journal.close();
    expect((await fs.readdir(DIR)).filter((f) => f.includes(".torn-")).sort()).toEqual(
      [leftovers.later, leftovers.otherJournal, leftovers.notExact, directory].sort(),
    );
    expect(await fs.readdir(DIR)).toContain(movedAside);
  });

  it("a copy that cannot be deleted fails the removal at stage rename, details.op unlink", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const copy = `${segmentFileName(NAME, 0, 0)}.torn-1700000000000-abc123`;
    memory.vol.writeFileSync(`${DIR}/${copy}`, "x");
    const fs = createFaultyFs(memory, [
      { op: "unlink", path: `${DIR}/${copy}`, fault: { error: "EACCES" } },
    ]);
    const journal = await openJournal({ fs, dir: DIR, name: NAME, preallocateBytes: 0 });
    await journal.append(enc("a"));
    await expect(journal.removeSegmentsThrough(1)).rejects.toMatchObject({
      code: "ERR_PERMISSION",
      stage: "rename",
      target: copy,
      details: { op: "unlink", osCode: "EACCES" },
    });
    // The next removal deletes it.
    expect(await journal.removeSegmentsThrough(1)).toEqual([copy]);
    await journal.close();
  });
});
