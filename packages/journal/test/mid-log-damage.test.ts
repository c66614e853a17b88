import { isPersistenceError } from "@snapwrite/core";
import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createJournalFollower,
  listSegments,
  openJournal,
  SEGMENT_HEADER_BYTES,
  segmentFileName,
} from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";

/**
 * Twenty records closed cleanly, written without preallocation (each segment ends at its last
 * record, where the damage below is placed); returns the fs and each append's receipt.
 */
async function twenty(options: { maxSegmentBytes?: number } = {}) {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0, ...options });
  const receipts = [];
  for (let i = 1; i <= 20; i++) receipts.push(await journal.append(enc(`rec-${i}`)));
  await journal.close();
  return { fs, receipts };
}

function xorByte(fs: MemoryFs, path: string, at: number, mask: number): void {
  const bytes = new Uint8Array(fs.vol.readFileSync(path) as Buffer);
  bytes[at] = (bytes[at] as number) ^ mask;
  fs.vol.writeFileSync(path, bytes);
}

function segmentPath(file: string): string {
  return `${DIR}/${file.split("/").at(-1)}`;
}

const seqs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a bad record with valid records after it is mid-log damage, not a torn tail", () => {
  it("a length field flipped to point past the end of the last segment: ERR_CORRUPT, never a torn tail", async () => {
    const { fs, receipts } = await twenty();
    const tenth = receipts[9] as (typeof receipts)[number];
    const path = segmentPath(tenth.file);
    xorByte(fs, path, tenth.offset + 5, 0x10);
    const before = await listSegments(fs, DIR, "db");
    const error = await replayTexts(fs, DIR, "db").catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    expect(error).toMatchObject({ details: { offset: tenth.offset, reason: "length", seq: 10 } });
    await expect(replayTexts(fs, DIR, "db", { recovery: "absolute" })).rejects.toMatchObject({
      details: { offset: tenth.offset, reason: "length" },
    });
    const pit = await replayTexts(fs, DIR, "db", { recovery: "point-in-time" });
    expect(pit.seqs).toEqual(seqs(1, 9));
    expect(pit.report.dropped).toBe(10);
    expect(pit.report.tail).toBeNull();
    expect(pit.report.damage).toEqual([
      expect.objectContaining({ offset: tenth.offset, reason: "length" }),
    ]);
    const salvage = await replayTexts(fs, DIR, "db", { recovery: "salvage" });
    expect(salvage.seqs).toEqual([...seqs(1, 9), ...seqs(11, 20)]);
    // The writer refuses to open rather than cutting or quarantining records 10–20.
    await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "length", offset: tenth.offset },
    });
    expect(fs.vol.readdirSync(DIR)).toEqual(before);
  });

  it("the same flip in a middle segment is reported the same way", async () => {
    const { fs, receipts } = await twenty({ maxSegmentBytes: 200 });
    const files = await listSegments(fs, DIR, "db");
    expect(files.length).toBeGreaterThan(2);
    const inMiddle = receipts.find((r) => segmentPath(r.file) === `${DIR}/${files[1]}`);
    const victim = inMiddle as (typeof receipts)[number];
    xorByte(fs, segmentPath(victim.file), victim.offset + 5, 0x10);
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { offset: victim.offset, reason: "length", seq: victim.seq },
    });
  });

  it("a length flip in the last record, with nothing after it, is still a torn tail", async () => {
    const { fs, receipts } = await twenty();
    const last = receipts[19] as (typeof receipts)[number];
    xorByte(fs, segmentPath(last.file), last.offset + 5, 0x10);
    const { seqs: got, report } = await replayTexts(fs, DIR, "db");
    expect(got).toEqual(seqs(1, 19));
    expect(report.tail).toMatchObject({ reason: "torn", offset: last.offset });
  });

  it("a cut mid-record and garbage appended after the last record stay torn tails", async () => {
    const { fs, receipts } = await twenty();
    const last = receipts[19] as (typeof receipts)[number];
    const path = segmentPath(last.file);
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Buffer);
    fs.vol.writeFileSync(path, bytes.subarray(0, last.offset + 7));
    expect((await replayTexts(fs, DIR, "db")).report.tail).toMatchObject({ reason: "torn" });
    const garbage = new Uint8Array(bytes.length + 100).fill(0xa5);
    garbage.set(bytes);
    fs.vol.writeFileSync(path, garbage);
    const { seqs: got, report } = await replayTexts(fs, DIR, "db");
    expect(got).toEqual(seqs(1, 20));
    expect(report.tail).toMatchObject({ reason: "torn", offset: bytes.length });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect((await journal.append(enc("next"))).seq).toBe(21);
    await journal.close();
  });

  it("a flipped byte in the header of a last segment that holds records is damage, not a torn header", async () => {
    const { fs } = await twenty({ maxSegmentBytes: 200 });
    const files = await listSegments(fs, DIR, "db");
    const lastPath = `${DIR}/${files[files.length - 1]}`;
    xorByte(fs, lastPath, 20, 0x01);
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "header", file: files[files.length - 1] },
    });
    await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
    });
    // A header cut short (the segment was being created) is still a torn tail.
    const bytes = new Uint8Array(fs.vol.readFileSync(lastPath) as Buffer);
    fs.vol.writeFileSync(lastPath, bytes.subarray(0, SEGMENT_HEADER_BYTES - 3));
    const { report } = await replayTexts(fs, DIR, "db");
    expect(report.tail).toMatchObject({ reason: "header" });
  });
});

describe("point-in-time never hands out a seq a snapshot already covers", () => {
  it("refuses to open with ERR_GAP when replay stops before afterSeq, and changes no file", async () => {
    const { fs, receipts } = await twenty();
    const tenth = receipts[9] as (typeof receipts)[number];
    xorByte(fs, segmentPath(tenth.file), tenth.offset + 5, 0x10);
    const before = await listSegments(fs, DIR, "db");
    const error = await openJournal({
      fs,
      dir: DIR,
      name: "db",
      recovery: "point-in-time",
      afterSeq: 15,
    }).catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_GAP")).toBe(true);
    expect(error).toMatchObject({ details: { lastSeq: 9, afterSeq: 15, dropped: 10 } });
    expect(await listSegments(fs, DIR, "db")).toEqual(before);
  });

  it("opens as before when the stop point is at or past afterSeq", async () => {
    const { fs, receipts } = await twenty();
    const tenth = receipts[9] as (typeof receipts)[number];
    xorByte(fs, segmentPath(tenth.file), tenth.offset + 5, 0x10);
    const journal = await openJournal({
      fs,
      dir: DIR,
      name: "db",
      recovery: "point-in-time",
      afterSeq: 9,
    });
    expect(journal.recovery.dropped).toBe(10);
    expect((await journal.append(enc("next"))).seq).toBe(10);
    await journal.close();
  });
});

describe("a zero-filled header is a torn creation only when nothing follows it", () => {
  it("records behind a zero-filled last-segment header are damage: replay, the follower and the writer refuse", async () => {
    const { fs, receipts } = await twenty({ maxSegmentBytes: 600 });
    const last = receipts[19] as (typeof receipts)[number];
    const path = segmentPath(last.file);
    const firstInLast = receipts.find((r) => r.file === last.file) as typeof last;
    expect(firstInLast.seq).toBeLessThan(20);
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Buffer);
    bytes.fill(0, 0, SEGMENT_HEADER_BYTES);
    fs.vol.writeFileSync(path, bytes);
    const before = await listSegments(fs, DIR, "db");
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({ code: "ERR_CORRUPT" });
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    const polled = await follower.poll().catch((e: unknown) => e);
    const again = polled instanceof Error ? polled : await follower.poll().catch((e: unknown) => e);
    expect(isPersistenceError(again, "ERR_CORRUPT")).toBe(true);
    await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
    });
    expect(await listSegments(fs, DIR, "db")).toEqual(before);
  });

  it("a zero-filled header with only zeros after it is still a torn creation", async () => {
    const { fs, receipts } = await twenty();
    const path = `${DIR}/${segmentFileName("db", 21, 0)}`;
    fs.vol.writeFileSync(path, new Uint8Array(SEGMENT_HEADER_BYTES + 4096));
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.lastSeq).toBe(20);
    expect((await journal.append(enc("next"))).seq).toBe(21);
    await journal.close();
    expect(receipts).toHaveLength(20);
  });
});
