import { isPersistenceError } from "@snapwrite/core";
import { createFaultyFs, createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  listSegments,
  openJournal,
  RECORD_HEADER_BYTES,
  replayJournal,
  SEGMENT_HEADER_BYTES,
} from "../src/index.js";
import { dec, enc, replayTexts } from "./helpers.js";

const DIR = "/j";

/**
 * A journal holding `texts`, written without preallocation: each segment ends at its last record,
 * the layout the byte surgery below works on (and the one journals had before preallocation).
 */
async function seeded(texts: string[], options: { maxSegmentBytes?: number } = {}) {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0, ...options });
  for (const t of texts) await journal.append(enc(t));
  await journal.close();
  return fs;
}

async function onlySegment(fs: ReturnType<typeof createMemoryFs>) {
  const files = await listSegments(fs, DIR, "db");
  return `${DIR}/${files[files.length - 1]}`;
}

describe("openJournal / replayJournal", () => {
  it("waits for a promise onRecord returns before the next record, and for nothing else", async () => {
    const fs = await seeded(["a", "b", "c", "d"]);
    const events: string[] = [];
    await replayJournal({
      fs,
      dir: DIR,
      name: "db",
      onRecord: (r) => {
        const text = dec(r.payload);
        events.push(`start ${text}`);
        if (text !== "b") return undefined;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            events.push("b settled");
            resolve();
          }),
        );
      },
    });
    expect(events).toEqual(["start a", "start b", "b settled", "start c", "start d"]);
    const failing = replayJournal({
      fs,
      dir: DIR,
      name: "db",
      onRecord: (r) => (dec(r.payload) === "c" ? Promise.reject(new Error("no c")) : undefined),
    });
    await expect(failing).rejects.toThrow("no c");
  });

  it("calls onReplayEnd once after the last record, before any repair; its throw fails the open", async () => {
    const fs = await seeded(["a", "b", "c"]);
    fs.vol.appendFileSync(await onlySegment(fs), Buffer.from([9, 0, 0])); // a torn tail
    const files = fs.toJSON();
    const events: string[] = [];
    const failing = openJournal({
      fs,
      dir: DIR,
      name: "db",
      onRecord: (r) => {
        events.push(dec(r.payload));
      },
      onReplayEnd: () => {
        events.push("end");
        throw new Error("held records do not apply");
      },
    });
    await expect(failing).rejects.toThrow("held records do not apply");
    expect(events).toEqual(["a", "b", "c", "end"]);
    expect(fs.toJSON()).toEqual(files);
    const journal = await openJournal({
      fs,
      dir: DIR,
      name: "db",
      onReplayEnd: async () => {
        events.push("async end");
      },
    });
    expect(events).toEqual(["a", "b", "c", "end", "async end"]);
    expect(journal.recovery.sealed).toBe(true); // the torn tail was repaired after it
    await journal.close();
  });

  it("replays appended records in seq order after a reopen and continues the seq", async () => {
    const fs = await seeded(["a", "b", "c"]);
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.lastSeq).toBe(3);
    expect(journal.recovery.sealed).toBe(false);
    expect((await journal.append(enc("d"))).seq).toBe(4);
    await journal.close();
    const { texts, seqs } = await replayTexts(fs, DIR, "db");
    expect(texts).toEqual(["a", "b", "c", "d"]);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(await listSegments(fs, DIR, "db")).toHaveLength(1);
  });

  it("does not grow the files when opened and closed without appends", async () => {
    const fs = await seeded(["a"]);
    const before = JSON.stringify(fs.toJSON());
    for (let i = 0; i < 3; i++) await (await openJournal({ fs, dir: DIR, name: "db" })).close();
    expect(JSON.stringify(fs.toJSON())).toBe(before);
  });

  it("writes the appends of one tick as one group: one writev and one fdatasync", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db" });
    const before = faulty.calls.length;
    const results = await Promise.all(["a", "b", "c", "d", "e"].map((t) => journal.append(enc(t))));
    const calls = faulty.calls.slice(before);
    expect(calls.filter((c) => c.op === "writev")).toHaveLength(1);
    expect(calls.filter((c) => c.op === "datasync")).toHaveLength(1);
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(results.every((r) => r.durable)).toBe(true);
    await journal.close();
  });

  it("skips records at or below afterSeq (the snapshot's seq) and replays the rest", async () => {
    const fs = await seeded(["a", "b", "c", "d"], { maxSegmentBytes: 60 });
    const { texts, report } = await replayTexts(fs, DIR, "db", { afterSeq: 2 });
    expect(texts).toEqual(["c", "d"]);
    expect(report.skipped).toBe(2);
    expect((await listSegments(fs, DIR, "db")).length).toBeGreaterThan(1);
  });

  it("rolls segments by size and keeps the seq continuous across them", async () => {
    const fs = await seeded(["one", "two", "three", "four", "five"], { maxSegmentBytes: 70 });
    const files = await listSegments(fs, DIR, "db");
    expect(files.length).toBeGreaterThanOrEqual(3);
    const { seqs } = await replayTexts(fs, DIR, "db");
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it("repairs a torn tail before the first append: torn bytes quarantined, new record intact", async () => {
    const fs = await seeded(["a", "b", "c"]);
    const path = await onlySegment(fs);
    const full = await fs.readFile(path);
    fs.vol.writeFileSync(path, full.subarray(0, full.length - 1));
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.tail).toMatchObject({ reason: "torn" });
    expect(journal.recovery.sealed).toBe(true);
    expect(journal.recovery.lastSeq).toBe(2);
    const torn = journal.recovery.quarantined[0] as string;
    expect(torn).toMatch(/\.torn-/);
    expect((await fs.readFile(`${DIR}/${torn}`)).byteLength).toBe(RECORD_HEADER_BYTES);
    expect((await journal.append(enc("new"))).seq).toBe(3);
    await journal.close();
    const { texts } = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["a", "b", "new"]);
  });

  it("treats zeros after the last record (a power loss, or preallocated space) as a clean end in every mode", async () => {
    const fs = await seeded(["a", "b"]);
    const path = await onlySegment(fs);
    const full = await fs.readFile(path);
    const padded = new Uint8Array(full.length + 4096);
    padded.set(full);
    fs.vol.writeFileSync(path, padded);
    for (const recovery of ["tolerate-tail", "point-in-time", "absolute", "salvage"] as const) {
      const { texts, report } = await replayTexts(fs, DIR, "db", { recovery });
      expect(texts).toEqual(["a", "b"]);
      expect(report.tail).toBeNull();
      expect(report.damage).toEqual([]);
      expect(report.end).toMatchObject({ validBytes: full.length, paddingBytes: 4096 });
    }
    const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0 });
    expect(journal.recovery).toMatchObject({ tail: null, sealed: false, quarantined: [] });
    await journal.append(enc("c"));
    await journal.close();
    // Appended over the zeros, in the same segment.
    expect(await listSegments(fs, DIR, "db")).toHaveLength(1);
    expect((await fs.readFile(path)).byteLength).toBe(padded.length);
    const after = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
    expect(after.texts).toEqual(["a", "b", "c"]);
  });

  it("reports a mid-log bit flip at its offset and handles it per recovery mode", async () => {
    const fs = await seeded(["r1", "r2", "r3", "r4", "r5"]);
    const path = await onlySegment(fs);
    const bytes = new Uint8Array(await fs.readFile(path));
    const recordBytes = RECORD_HEADER_BYTES + 2;
    const second = SEGMENT_HEADER_BYTES + recordBytes;
    bytes[second + RECORD_HEADER_BYTES] = (bytes[second + RECORD_HEADER_BYTES] as number) ^ 0x10;
    fs.vol.writeFileSync(path, bytes);
    const error = await replayTexts(fs, DIR, "db").catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    expect(error).toMatchObject({ details: { offset: second, reason: "checksum", seq: 2 } });
    const pit = await replayTexts(fs, DIR, "db", { recovery: "point-in-time" });
    expect(pit.texts).toEqual(["r1"]);
    expect(pit.report.dropped).toBe(3);
    const salvage = await replayTexts(fs, DIR, "db", { recovery: "salvage" });
    expect(salvage.texts).toEqual(["r1", "r3", "r4", "r5"]);
    expect(salvage.report.damage).toEqual([
      expect.objectContaining({ offset: second, reason: "checksum" }),
    ]);
    // The writer refuses to open over mid-log damage in the default mode rather than cutting records.
    await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
    });
  });

  it("never allocates for an absurd record length and calls it torn at the tail", async () => {
    const fs = await seeded(["a"]);
    const path = await onlySegment(fs);
    const bytes = await fs.readFile(path);
    const extra = new Uint8Array(RECORD_HEADER_BYTES);
    new DataView(extra.buffer).setUint32(4, 0xffffffff, true);
    extra[0] = 1;
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    fs.vol.writeFileSync(path, out);
    const { texts, report } = await replayTexts(fs, DIR, "db");
    expect(texts).toEqual(["a"]);
    expect(report.tail).toMatchObject({ reason: "torn", offset: bytes.length });
  });

  it("rejects a record copied from another segment (different salt)", async () => {
    const a = await seeded(["x1", "x2"]);
    const b = await seeded(["y1", "y2"]);
    const pa = await onlySegment(a);
    const pb = await onlySegment(b);
    const bytesA = new Uint8Array(await a.readFile(pa));
    const bytesB = await b.readFile(pb);
    const second = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 2;
    bytesA.set(bytesB.subarray(second), second);
    a.vol.writeFileSync(pa, bytesA);
    const { texts, report } = await replayTexts(a, DIR, "db");
    expect(texts).toEqual(["x1"]);
    expect(report.tail).toMatchObject({ reason: "torn", offset: second });
  });

  it("reports a seq gap between segments as ERR_CORRUPT reason sequence", async () => {
    const fs = await seeded(["a", "b", "c", "d"], { maxSegmentBytes: 60 });
    const files = await listSegments(fs, DIR, "db");
    fs.vol.unlinkSync(`${DIR}/${files[1]}`);
    await expect(replayJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "sequence" },
    });
  });

  it("reports a segment shorter than its successor recorded as reason chain", async () => {
    const fs = await seeded(["a", "b", "c", "d"], { maxSegmentBytes: 60 });
    const files = await listSegments(fs, DIR, "db");
    const first = `${DIR}/${files[0]}`;
    const bytes = await fs.readFile(first);
    fs.vol.writeFileSync(first, bytes.subarray(0, bytes.length - 3));
    await expect(replayJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "chain" },
    });
  });

  it("seals and rolls after an fsync error: the failed group is definitely not committed", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const events: string[] = [];
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      onEvent: (e) => events.push(e.type),
    });
    await journal.append(enc("ok1"));
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    const failed = await Promise.allSettled([
      journal.append(enc("bad1")),
      journal.append(enc("bad2")),
    ]);
    for (const f of failed) {
      expect(f.status).toBe("rejected");
      const reason = (f as PromiseRejectedResult).reason;
      expect(reason).toMatchObject({
        code: "ERR_IO",
        stage: "sync",
        details: { committed: false },
      });
    }
    expect(events).toContain("sealed");
    expect(journal.state.seals).toBe(1);
    expect(faulty.calls.filter((c) => c.op === "datasync" && c.outcome === "error")).toHaveLength(
      1,
    );
    expect((await journal.append(enc("ok2"))).seq).toBe(2);
    await journal.close();
    const { texts, seqs } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["ok1", "ok2"]);
    expect(seqs).toEqual([1, 2]);
    // The failed group's bytes are still in the old segment, past the length its successor recorded.
    const files = await listSegments(memory, DIR, "db");
    expect(files).toHaveLength(2);
    expect(dec(await memory.readFile(`${DIR}/${files[0]}`))).toContain("bad1");
  });

  it("goes read-only with committed unknown when the seal fails too", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db" });
    await journal.append(enc("ok1"));
    faulty.addFaults([
      { op: "writev", fault: { error: "ENOSPC" } },
      { op: "open", fault: { error: "ENOSPC" } },
    ]);
    await expect(journal.append(enc("bad"))).rejects.toMatchObject({
      code: "ERR_NO_SPACE",
      details: { committed: "unknown", readOnly: true },
    });
    expect(journal.state.mode).toBe("read-only");
    await expect(journal.append(enc("later"))).rejects.toMatchObject({
      code: "ERR_IO",
      details: { readOnly: true },
    });
    await journal.close();
    const reopened = await openJournal({ fs: memory, dir: DIR, name: "db" });
    expect(reopened.recovery.lastSeq).toBe(1);
    await reopened.close();
  });

  it("acks before the sync under interval durability and re-writes unsynced records after a sync error", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const clock = createManualClock(1_000);
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      clock,
      durability: { intervalMs: 100 },
    });
    const first = await journal.append(enc("a"));
    expect(first.durable).toBe(false);
    expect(journal.state.durableSeq).toBe(0);
    await journal.append(enc("b"));
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    clock.advance(100);
    await journal.sync();
    expect(journal.state.seals).toBe(1);
    expect(journal.state.durableSeq).toBe(2);
    await journal.append(enc("c"));
    await journal.close();
    expect((await replayTexts(memory, DIR, "db", { recovery: "absolute" })).texts).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("refuses a record above maxRecordBytes with ERR_ENCODE and writes nothing", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db", maxRecordBytes: 8 });
    await expect(journal.append(new Uint8Array(9))).rejects.toMatchObject({ code: "ERR_ENCODE" });
    expect((await journal.append(new Uint8Array(8))).seq).toBe(1);
    await journal.close();
  });

  it("removes only segments whose records are all at or below a seq, never the active one", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db", maxSegmentBytes: 60 });
    for (const t of ["a", "b", "c", "d"]) await journal.append(enc(t));
    await journal.sync();
    const before = journal.state.segments.length;
    const removed = await journal.removeSegmentsThrough(2);
    expect(removed.length).toBeGreaterThan(0);
    expect(journal.state.segments.length).toBe(before - removed.length);
    await journal.close();
    const { texts } = await replayTexts(fs, DIR, "db", { afterSeq: 2 });
    expect(texts).toEqual(["c", "d"]);
  });

  it("rejects appends after close with ERR_CLOSED and close flushes pending ones", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db", durability: "os" });
    const pending = journal.append(enc("x"));
    const report = await journal.close();
    expect(report).toMatchObject({ ok: true, lastSeq: 1, durableSeq: 1 });
    expect((await pending).seq).toBe(1);
    await expect(journal.append(enc("y"))).rejects.toMatchObject({ code: "ERR_CLOSED" });
  });

  it("caps a group at the first record's size plus smallFirstBytes, so a small append is not held behind a big one", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      group: { smallFirstBytes: 1024 },
    });
    const before = faulty.calls.length;
    await Promise.all([
      journal.append(new Uint8Array(10)),
      journal.append(new Uint8Array(200_000)),
    ]);
    const writes = faulty.calls.slice(before).filter((c) => c.op === "writev");
    expect(writes.map((c) => c.bytes)).toEqual([30, 200_020]);
    await journal.close();
  });

  it("syncs only at roll, sync() and close under durability os", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db", durability: "os" });
    const syncs = () => faulty.calls.filter((c) => c.op === "datasync").length;
    const before = syncs();
    const results = await Promise.all([journal.append(enc("a")), journal.append(enc("b"))]);
    await journal.append(enc("c"));
    expect(results.every((r) => !r.durable)).toBe(true);
    expect(syncs()).toBe(before);
    expect(journal.state.durableSeq).toBe(0);
    expect(await journal.sync()).toBe(3);
    expect(syncs()).toBe(before + 1);
    await journal.close();
  });

  it("rejects bad options with TypeError or RangeError at once", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    await expect(openJournal({ fs, dir: DIR, name: "../x" })).rejects.toBeInstanceOf(TypeError);
    await expect(openJournal({ fs, dir: DIR, name: "db", afterSeq: -1 })).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(
      openJournal({ fs, dir: DIR, name: "db", maxSegmentBytes: 0 }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(
      openJournal({ fs, dir: DIR, name: "db", durability: "sometimes" as "os" }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
