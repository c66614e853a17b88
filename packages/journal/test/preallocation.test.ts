import type { FsPort } from "@snapwrite/core";
import { createFaultyFs, createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createJournalFollower,
  type JournalEvent,
  listSegments,
  openJournal,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
} from "../src/index.js";
import { dec, enc, replayTexts } from "./helpers.js";

const DIR = "/j";
const WINDOW = 4096;

function sizeOf(fs: MemoryFs, file: string): number {
  return (fs.vol.statSync(`${DIR}/${file}`) as { size: number }).size;
}

function isWal(path: string): boolean {
  return path.includes(".wal.");
}

describe("preallocated segments", () => {
  it("keeps zeros ahead of the write position: groups overwrite them, the file grows once per top-up, not per group", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(fs);
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      preallocateBytes: WINDOW,
    });
    const file = journal.state.file;
    expect(sizeOf(fs, file)).toBe(SEGMENT_HEADER_BYTES + WINDOW);
    const sizes = new Set<number>();
    let acked = 0;
    for (let i = 0; i < 60; i++) {
      const before = faulty.calls.length;
      await journal.append(enc(`r${String(i).padStart(2, "0")}-${"x".repeat(80)}`));
      acked = faulty.calls.length;
      sizes.add(sizeOf(fs, file));
      // One writev of the group's bytes; any other is a window of zeros (the one topped up after
      // the previous group's acknowledgement, which this append waited for).
      const writes = faulty.calls.slice(before).filter((c) => c.op === "writev");
      const group = writes.filter((c) => c.bytes === RECORD_HEADER_BYTES + 84);
      expect(group).toHaveLength(1);
      for (const w of writes)
        if (w !== group[0]) expect(w.bytes).toBeGreaterThanOrEqual(WINDOW / 2);
    }
    expect(acked).toBeGreaterThan(0);
    // Topped up from position + WINDOW once half of it was used: far fewer sizes than groups.
    expect(sizes.size).toBeGreaterThan(1);
    expect(sizes.size).toBeLessThan(15);
    expect(journal.state.segmentBytes).toBe(SEGMENT_HEADER_BYTES + 60 * (RECORD_HEADER_BYTES + 84));
    expect(sizeOf(fs, file)).toBeGreaterThan(journal.state.segmentBytes);
    await journal.close();
    const { texts, report } = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
    expect(texts).toHaveLength(60);
    expect(report.tail).toBeNull();
  });

  it("writes a window after the acknowledgements of the group that used it up, never before them", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db", preallocateBytes: 256 });
    const ackedAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      await journal.append(enc("y".repeat(60))).then(() => ackedAt.push(faulty.calls.length));
    }
    await journal.close();
    const zeroWrites = faulty.calls.filter(
      (c) => c.op === "writev" && isWal(c.path) && (c.bytes ?? 0) >= 128,
    );
    expect(zeroWrites.length).toBeGreaterThan(2);
    // Each group's writev is followed by its fdatasync, then by the acknowledgement; a zero
    // window is only ever written after a group was acknowledged (or at open).
    for (const write of zeroWrites.slice(1)) {
      const previous = faulty.calls[write.seq - 2];
      expect(previous?.op).toBe("datasync");
      // The append whose group that datasync synced saw its acknowledgement before the zeros'
      // writev was issued.
      expect(ackedAt).toContain(previous?.seq);
    }
  });

  it("never preallocates past maxSegmentBytes + 64 KiB, and not at all with 0 or without commit durability", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const small = await openJournal({
      fs,
      dir: DIR,
      name: "small",
      maxSegmentBytes: 100,
      preallocateBytes: 1 << 20,
    });
    expect(sizeOf(fs, small.state.file)).toBe(100 + 64 * 1024);
    await small.close();
    const off = await openJournal({ fs, dir: DIR, name: "off", preallocateBytes: 0 });
    await off.append(enc("a"));
    expect(sizeOf(fs, off.state.file)).toBe(SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 1);
    await off.close();
    const os = await openJournal({ fs, dir: DIR, name: "os", durability: "os" });
    await os.append(enc("a"));
    expect(sizeOf(fs, os.state.file)).toBe(SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 1);
    await os.close();
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(
        openJournal({ fs, dir: DIR, name: "bad", preallocateBytes: bad }),
      ).rejects.toBeInstanceOf(RangeError);
    }
  });

  it("reopens a padded segment without a tail or a repair, changes no file until the first append, then appends over the zeros", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const first = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: WINDOW });
    for (const t of ["a", "b"]) await first.append(enc(t));
    await first.close();
    const before = JSON.stringify(fs.toJSON());
    const idle = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: WINDOW });
    expect(idle.recovery).toMatchObject({ tail: null, sealed: false, quarantined: [] });
    expect(idle.recovery.end.paddingBytes).toBeGreaterThan(0);
    await idle.close();
    expect(JSON.stringify(fs.toJSON())).toBe(before);
    const again = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: WINDOW });
    await again.append(enc("c"));
    await again.close();
    expect(await listSegments(fs, DIR, "db")).toHaveLength(1);
    expect((await replayTexts(fs, DIR, "db", { recovery: "absolute" })).texts).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("a torn record before the zeros, or a stray byte inside them, is still a torn tail, repaired as without padding", async () => {
    for (const damage of ["torn-record", "stray-byte"] as const) {
      const fs = createMemoryFs({ [DIR]: null });
      const writer = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: WINDOW });
      for (const t of ["a", "b", "c"]) await writer.append(enc(t));
      const valid = writer.state.segmentBytes;
      const path = `${DIR}/${writer.state.file}`;
      await writer.close();
      const bytes = new Uint8Array(fs.vol.readFileSync(path) as Uint8Array);
      // A torn last record: its first 5 bytes reached the disk, the zeros after them stayed.
      if (damage === "torn-record") bytes.fill(0, valid - (RECORD_HEADER_BYTES + 1) + 5, valid);
      else bytes[valid + 100] = 7;
      fs.vol.writeFileSync(path, bytes);
      const expected = damage === "torn-record" ? ["a", "b"] : ["a", "b", "c"];
      const replay = await replayTexts(fs, DIR, "db");
      expect(replay.texts).toEqual(expected);
      expect(replay.report.tail).toMatchObject({ reason: "torn" });
      const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: WINDOW });
      expect(journal.recovery).toMatchObject({ sealed: true, tail: { reason: "torn" } });
      expect(journal.recovery.quarantined[0]).toMatch(/\.torn-/);
      await journal.append(enc("d"));
      await journal.close();
      const after = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
      expect(after.texts).toEqual([...expected, "d"]);
    }
  });

  it("a follower reads the zeros as nothing new yet and follows across a roll", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const writer = await openJournal({
      fs,
      dir: DIR,
      name: "db",
      preallocateBytes: WINDOW,
      maxSegmentBytes: 300,
    });
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    expect(await follower.poll()).toEqual({ records: [], seq: 0 });
    const texts = Array.from({ length: 12 }, (_, i) => `rec-${i}-${"z".repeat(30)}`);
    const seen: string[] = [];
    for (const t of texts) {
      await writer.append(enc(t));
      const polled = await follower.poll();
      expect(polled.reset).toBeUndefined();
      seen.push(...polled.records.map((r) => dec(r.payload)));
      expect((await follower.poll()).records).toEqual([]);
    }
    expect(seen).toEqual(texts);
    expect((await listSegments(fs, DIR, "db")).length).toBeGreaterThan(1);
    await writer.close();
  });
});

describe("a failed extension", () => {
  const cases = [
    { what: "ENOSPC on the zeros' write", fault: { op: "writev", error: "ENOSPC" } },
    { what: "a torn zeros' write", fault: { op: "writev", torn: 0.5, error: "ENOSPC" } },
    { what: "EIO on the zeros' fdatasync", fault: { op: "datasync", error: "EIO" } },
  ] as const;
  for (const c of cases) {
    it(`${c.what}: fails and delays no append, never read-only, preallocation stops until the next segment`, async () => {
      const fs = createMemoryFs({ [DIR]: null });
      const faulty = createFaultyFs(fs);
      // The segment's first writev is its header and first datasync the header's; the next ones
      // at open are the window's.
      faulty.addFaults([
        {
          op: c.fault.op,
          path: isWal,
          nth: 2,
          fault:
            "torn" in c.fault
              ? { torn: c.fault.torn, error: c.fault.error }
              : { error: c.fault.error },
        },
      ]);
      const events: JournalEvent[] = [];
      const journal = await openJournal({
        fs: faulty as FsPort,
        dir: DIR,
        name: "db",
        preallocateBytes: WINDOW,
        onEvent: (e) => events.push(e),
      });
      expect(events.map((e) => e.type)).toEqual(["preallocation-stopped"]);
      const first = journal.state.file;
      const results = [];
      for (let i = 0; i < 40; i++)
        results.push(await journal.append(enc(`r${i}-${"q".repeat(100)}`)));
      expect(results.every((r) => r.durable)).toBe(true);
      expect(journal.state.mode).toBe("ok");
      expect(journal.state.seals).toBe(0);
      // No further window on this segment: groups append past the zeros that reached the disk.
      const zeroWrites = () =>
        faulty.calls.filter(
          (x) => x.op === "writev" && isWal(x.path) && (x.bytes ?? 0) >= WINDOW / 2,
        );
      const stopped = zeroWrites().length;
      expect(journal.state.segmentBytes).toBeGreaterThan(WINDOW);
      // A new segment preallocates again.
      await journal.roll();
      expect(journal.state.file).not.toBe(first);
      await journal.append(enc("next"));
      expect(zeroWrites().length).toBe(stopped + 1);
      await journal.close();
      const { texts, report } = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
      expect(texts).toHaveLength(41);
      expect(report.tail).toBeNull();
      const reopened = await openJournal({ fs, dir: DIR, name: "db" });
      expect(reopened.recovery).toMatchObject({ tail: null, sealed: false });
      await reopened.close();
    });
  }
});
