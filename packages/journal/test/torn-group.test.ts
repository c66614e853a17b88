import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createJournalFollower,
  DEFAULT_MAX_RECORD_BYTES,
  decodeSegmentHeader,
  encodeSegmentHeader,
  listSegments,
  openJournal,
  scanSegment,
  segmentFileName,
} from "../src/index.js";
import { dec, enc, replayTexts } from "./helpers.js";
import { type BuiltRecord, buildSegment, punch, writeSegment } from "./segment-builder.js";

const DIR = "/j";
const ACKED = [["a"], ["b", "c"], ["d"]];
const TORN = ["e", "f", "g"];

function at(records: BuiltRecord[], text: string): BuiltRecord {
  return records.find((r) => r.text === text) as BuiltRecord;
}

/** A journal whose last segment holds `groups`, with the records named in `holes` punched out. */
function journalWith(
  groups: string[][],
  holes: readonly string[],
  options: { marked?: boolean | ((g: number) => boolean); fill?: number; xor?: Xor } = {},
) {
  const fs = createMemoryFs({ [DIR]: null });
  const { bytes, records } = buildSegment({ groups, marked: options.marked, padding: 512 });
  for (const text of holes) {
    const record = at(records, text);
    const xor = options.xor;
    // One damaged byte (from the record's start, or from its end when negative), or the whole
    // record lost (zeros, or garbage).
    if (xor === undefined) punch(bytes, record, options.fill);
    else {
      const i = xor.at < 0 ? record.end + xor.at : record.offset + xor.at;
      bytes[i] = (bytes[i] as number) ^ xor.mask;
    }
  }
  const path = writeSegment(fs, DIR, "db", bytes);
  return { fs, records, path };
}

/** Flips `mask` in the byte `at` of a record (from its end when negative). */
interface Xor {
  readonly at: number;
  readonly mask: number;
}

const files = (fs: MemoryFs) => JSON.stringify(fs.toJSON());

const tornCases = [
  { what: "its first record never reached the disk", holes: ["e"] },
  { what: "its first record is garbage", holes: ["e"], fill: 0xa5 },
  { what: "only a middle page of it reached the disk", holes: ["e", "g"] },
];

describe("a group torn by a power loss over preallocated space is a torn tail", () => {
  for (const c of tornCases) {
    it(`${c.what}: replay drops the group as a tail in every mode that tolerates one`, async () => {
      const { fs, records } = journalWith([...ACKED, TORN], c.holes, { fill: c.fill });
      const tail = { reason: "torn", offset: at(records, "e").offset };
      for (const recovery of ["tolerate-tail", "point-in-time", "salvage"] as const) {
        const replay = await replayTexts(fs, DIR, "db", { recovery });
        expect(replay.texts).toEqual(["a", "b", "c", "d"]);
        expect(replay.report).toMatchObject({ lastSeq: 4, dropped: 0, damage: [] });
        if (recovery !== "salvage") expect(replay.report.tail).toMatchObject(tail);
      }
      await expect(replayTexts(fs, DIR, "db", { recovery: "absolute" })).rejects.toMatchObject({
        code: "ERR_CORRUPT",
        details: tail,
      });
    });

    it(`${c.what}: the writer opens, repairs it as a tail, appends after it and reopens clean`, async () => {
      const { fs, records } = journalWith([...ACKED, TORN], c.holes, { fill: c.fill });
      const seen: string[] = [];
      const journal = await openJournal({
        fs,
        dir: DIR,
        name: "db",
        onRecord: (r) => {
          seen.push(dec(r.payload));
        },
      });
      expect(seen).toEqual(["a", "b", "c", "d"]);
      expect(journal.recovery).toMatchObject({
        sealed: true,
        tail: { reason: "torn", offset: at(records, "e").offset },
      });
      expect(journal.recovery.quarantined[0]).toMatch(/\.torn-/);
      expect(await journal.append(enc("h"))).toMatchObject({ seq: 5 });
      await journal.close();
      const after = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
      expect(after.texts).toEqual(["a", "b", "c", "d", "h"]);
      expect(after.seqs).toEqual([1, 2, 3, 4, 5]);
      const reopened = await openJournal({ fs, dir: DIR, name: "db" });
      expect(reopened.recovery).toMatchObject({ tail: null, sealed: false, quarantined: [] });
      expect(reopened.state.lastSeq).toBe(5);
      await reopened.close();
    });
  }

  it("it is the segment's first group: no group end before it is needed to tell it from damage", async () => {
    const { fs, records } = journalWith([TORN], ["e"]);
    const replay = await replayTexts(fs, DIR, "db");
    expect(replay.texts).toEqual([]);
    expect(replay.report.tail).toMatchObject({ reason: "torn", offset: at(records, "e").offset });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery).toMatchObject({ sealed: true, lastSeq: 0 });
    expect(await journal.append(enc("h"))).toMatchObject({ seq: 1 });
    await journal.close();
    expect((await replayTexts(fs, DIR, "db", { recovery: "absolute" })).texts).toEqual(["h"]);
  });

  it("scanSegment reports it as torn only for the last segment", () => {
    const { bytes, records } = buildSegment({ groups: [...ACKED, TORN], padding: 64 });
    punch(bytes, at(records, "e"));
    const header = decodeSegmentHeader(bytes);
    const scan = (last: boolean) =>
      scanSegment(
        bytes,
        header,
        bytes.byteLength,
        DEFAULT_MAX_RECORD_BYTES,
        false,
        undefined,
        last,
      );
    expect(scan(true).problem).toMatchObject({ reason: "torn", offset: at(records, "e").offset });
    expect(scan(true).problem?.laterAt).toBeUndefined();
    expect(scan(false).problem).toMatchObject({
      reason: "checksum",
      offset: at(records, "e").offset,
      laterAt: at(records, "f").offset,
    });
  });

  it("a follower returns the acknowledged groups, never the torn one, and goes on after the repair", async () => {
    const { fs } = journalWith([...ACKED, TORN], ["e"]);
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    const first = await follower.poll();
    expect(first.records.map((r) => dec(r.payload))).toEqual(["a", "b", "c", "d"]);
    expect(first).toMatchObject({ seq: 4 });
    expect(first.reset).toBeUndefined();
    expect(await follower.poll()).toEqual({ records: [], seq: 4 });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("h"));
    const next = await follower.poll();
    expect(next.records.map((r) => [r.seq, dec(r.payload)])).toEqual([[5, "h"]]);
    await journal.close();
  });
});

describe("damage that a torn group cannot explain stays mid-log damage", () => {
  const cases = [
    {
      what: "a complete group after the torn-looking one",
      groups: [...ACKED, TORN, ["h", "i"]],
      holes: ["e"],
      dropped: 4,
    },
    {
      what: "a group end among the records after the damage, the last group torn too",
      groups: [...ACKED, TORN, ["h", "i"]],
      holes: ["e", "i"],
      dropped: 3,
    },
    {
      what: "a hole that swallowed a whole acknowledged group and the start of the last one",
      groups: [...ACKED, TORN],
      holes: ["d", "e"],
      dropped: 2,
    },
    {
      what: "a hole of acknowledged records right before an intact last group",
      groups: [...ACKED, TORN],
      holes: ["c", "d"],
      dropped: 3,
    },
    {
      what: "an older writer's segment (no flags)",
      groups: [...ACKED, TORN],
      holes: ["e"],
      marked: false,
      dropped: 2,
    },
    {
      what: "records without the preallocated flag after the damage (an older writer's, then a marked group)",
      groups: [...ACKED, TORN],
      holes: ["c"],
      marked: (g: number) => g === 3,
      dropped: 4,
    },
    {
      what: "a flipped payload bit in the end record of the group before the last one",
      groups: [...ACKED, TORN],
      holes: ["d"],
      xor: { at: -1, mask: 1 },
      dropped: 3,
    },
    {
      what: "a damaged flags byte in the end record of the group before the last one",
      groups: [...ACKED, TORN],
      holes: ["d"],
      xor: { at: 9, mask: 0x80 },
      dropped: 3,
    },
    {
      what: "a length field of the last group's first record flipped past the next record",
      groups: [...ACKED, TORN],
      holes: ["e"],
      xor: { at: 5, mask: 0x01 },
      dropped: 2,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ERR_CORRUPT under tolerate-tail, the writer refuses to open, point-in-time stops there`, async () => {
      const { fs, records } = journalWith(c.groups, c.holes, { marked: c.marked, xor: c.xor });
      const hole = at(records, c.holes[0] as string);
      const damage = { offset: hole.offset, seq: hole.seq };
      await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({
        code: "ERR_CORRUPT",
        details: damage,
      });
      const before = files(fs);
      await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
        code: "ERR_CORRUPT",
        details: { offset: hole.offset },
      });
      expect(files(fs)).toBe(before);
      const pit = await replayTexts(fs, DIR, "db", { recovery: "point-in-time" });
      expect(pit.seqs).toEqual(records.filter((r) => r.seq < hole.seq).map((r) => r.seq));
      expect(pit.report).toMatchObject({ tail: null, dropped: c.dropped });
      const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
      expect((await follower.poll()).seq).toBe(hole.seq - 1);
      await expect(follower.poll()).rejects.toMatchObject({ code: "ERR_CORRUPT" });
    });
  }

  it("a sealed segment holding the same bytes is damage: only the last segment can hold a torn group", async () => {
    const { fs, records } = journalWith([...ACKED, TORN], ["e"]);
    const g = at(records, "g");
    // Cut the padding off and chain a successor that vouches for every byte up to g's end.
    const path = `${DIR}/${segmentFileName("db", 1, 0)}`;
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Uint8Array).subarray(0, g.end);
    fs.vol.writeFileSync(path, bytes);
    const next = encodeSegmentHeader({ salt: 7, firstSeq: 8, createdAt: 0, prevValidBytes: g.end });
    writeSegment(fs, DIR, "db", next, 8);
    expect(await listSegments(fs, DIR, "db")).toHaveLength(2);
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { offset: at(records, "e").offset, file: segmentFileName("db", 1, 0) },
    });
  });
});

describe("a long torn group", () => {
  const long = Array.from({ length: 70 }, (_, i) => `r${i}`);
  const acked = ACKED.flat();

  it("whose first records were lost is a torn tail while the next valid one still holds its index", async () => {
    const { fs } = journalWith([...ACKED, long], ["r0", "r1"]);
    const replay = await replayTexts(fs, DIR, "db");
    expect(replay.texts).toEqual(acked);
    expect(replay.report.tail).toMatchObject({ reason: "torn" });
  });

  it("is damage when the next valid record is too far into it to hold its index", async () => {
    const holes = long.slice(0, 64);
    const { fs } = journalWith([...ACKED, long], holes);
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({ code: "ERR_CORRUPT" });
    const pit = await replayTexts(fs, DIR, "db", { recovery: "point-in-time" });
    expect(pit.texts).toEqual(acked);
  });
});

describe("the writer marks its groups", () => {
  async function written(preallocateBytes: number) {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes });
    await journal.append(enc("a"));
    const group = await journal.appendGroup([enc("b"), enc("c"), enc("d")]);
    const path = `${DIR}/${journal.state.file}`;
    await journal.close();
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Uint8Array);
    const header = decodeSegmentHeader(bytes);
    const { records } = scanSegment(bytes, header, bytes.byteLength, DEFAULT_MAX_RECORD_BYTES);
    return { fs, path, bytes, group, flags: records.map((r) => r.flags) };
  }

  it("over preallocated space: every record flagged, each group's last one as its end; a torn group of it is a tail", async () => {
    const { fs, path, bytes, group, flags } = await written(4096);
    // Preallocated (2), each record's index in its group (<< 2), the group's end (1).
    expect(flags).toEqual([3, 2, 6, 11]);
    // The power cut: the group's first page (record b) never reached the disk.
    bytes.fill(0, group.offset, group.offset + 21);
    fs.vol.writeFileSync(path, bytes);
    const replay = await replayTexts(fs, DIR, "db");
    expect(replay.texts).toEqual(["a"]);
    expect(replay.report.tail).toMatchObject({ reason: "torn", offset: group.offset });
  });

  it("appending to a growing file (no preallocation): group ends only, and the same hole stays damage", async () => {
    const { fs, path, bytes, group, flags } = await written(0);
    expect(flags).toEqual([1, 0, 0, 1]);
    bytes.fill(0, group.offset, group.offset + 21);
    fs.vol.writeFileSync(path, bytes);
    await expect(replayTexts(fs, DIR, "db")).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { offset: group.offset },
    });
  });
});
