import { createFaultyFs, createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";

describe("journal.appendGroup", () => {
  it("writes its records with consecutive seqs, in one writev with the appends around it", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db" });
    const before = faulty.calls.length;
    const [single, group, after] = await Promise.all([
      journal.append(enc("a")),
      journal.appendGroup([enc("bb"), enc("ccc"), enc("d")], { codecId: 7 }),
      journal.append(enc("e")),
    ]);
    const calls = faulty.calls.slice(before);
    expect(calls.filter((c) => c.op === "writev")).toHaveLength(1);
    expect(calls.filter((c) => c.op === "datasync")).toHaveLength(1);
    expect(single.seq).toBe(1);
    expect(group).toEqual({
      firstSeq: 2,
      lastSeq: 4,
      durable: true,
      file: single.file,
      offset: SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 1,
      bytes: 3 * RECORD_HEADER_BYTES + 6,
    });
    expect(after.seq).toBe(5);
    expect(after.offset).toBe(group.offset + group.bytes);
    expect(journal.state).toMatchObject({ lastSeq: 5, durableSeq: 5 });
    await journal.close();
    const { texts, seqs, records } = await replayTexts(faulty, DIR, "db");
    expect(texts).toEqual(["a", "bb", "ccc", "d", "e"]);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(records.map((r) => r.codecId)).toEqual([0, 7, 7, 7, 0]);
  });

  it("is never split across groups, even past group.maxBytes", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      group: { maxBytes: 64, smallFirstBytes: 1 },
    });
    const before = faulty.calls.length;
    const big = Array.from({ length: 5 }, (_, i) => new Uint8Array(30).fill(i));
    const [group, next] = await Promise.all([journal.appendGroup(big), journal.append(enc("x"))]);
    const writes = faulty.calls.slice(before).filter((c) => c.op === "writev");
    expect(writes).toHaveLength(2);
    expect(group).toMatchObject({ firstSeq: 1, lastSeq: 5, bytes: 5 * (RECORD_HEADER_BYTES + 30) });
    expect(next.seq).toBe(6);
    await journal.close();
  });

  it("fails all its records together when the group's sync fails, and none is replayed", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db" });
    await journal.append(enc("ok1"));
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    await expect(journal.appendGroup([enc("bad1"), enc("bad2")])).rejects.toMatchObject({
      code: "ERR_IO",
      stage: "sync",
      details: { committed: false, sealed: true },
    });
    expect((await journal.appendGroup([enc("ok2"), enc("ok3")])).firstSeq).toBe(2);
    await journal.close();
    const { texts, seqs } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["ok1", "ok2", "ok3"]);
    expect(seqs).toEqual([1, 2, 3]);
  });

  it("re-writes its unsynced records into the new segment after a seal under interval durability", async () => {
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
    const group = await journal.appendGroup([enc("a"), enc("b")]);
    expect(group).toMatchObject({ firstSeq: 1, lastSeq: 2, durable: false });
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    clock.advance(100);
    await journal.sync();
    expect(journal.state.seals).toBe(1);
    await journal.appendGroup([enc("c")]);
    await journal.close();
    const { texts } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["a", "b", "c"]);
  });

  it("refuses an empty array, a non-Uint8Array and a record above maxRecordBytes, writing nothing", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db", maxRecordBytes: 8 });
    await expect(journal.appendGroup([])).rejects.toBeInstanceOf(TypeError);
    await expect(journal.appendGroup([enc("a"), "b" as never])).rejects.toBeInstanceOf(TypeError);
    await expect(journal.appendGroup([enc("a"), new Uint8Array(9)])).rejects.toMatchObject({
      code: "ERR_ENCODE",
    });
    expect(journal.state.lastSeq).toBe(0);
    expect((await journal.appendGroup([new Uint8Array(8)])).firstSeq).toBe(1);
    await journal.close();
    await expect(journal.appendGroup([enc("late")])).rejects.toMatchObject({ code: "ERR_CLOSED" });
    expect((await replayTexts(fs, DIR, "db")).seqs).toEqual([1]);
  });
});
