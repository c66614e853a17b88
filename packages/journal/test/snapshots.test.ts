import type { Codec, FsPort } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { createFsSink } from "@snapwrite/sink-fs";
import { createCrashableFs, createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  assertJournalName,
  compactionDue,
  compactJournal,
  createJournalFollower,
  createSnapshotStore,
  openJournal,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
} from "../src/index.js";
import { dec, enc } from "./helpers.js";

const DIR = "/j";

/** The state is the list of appended texts; a snapshot is its JSON. */
const listCodec: Codec<string[]> = {
  name: "text-list",
  *encode(value) {
    yield enc(JSON.stringify(value));
  },
  decode(bytes) {
    try {
      const value: unknown = JSON.parse(dec(bytes));
      if (!Array.isArray(value)) throw new Error("not a list");
      return value as string[];
    } catch (cause) {
      throw new PersistenceError("ERR_CORRUPT", "bad snapshot", {
        details: { offset: 0, reason: "json" },
        cause,
      });
    }
  },
};

function stores(fs: FsPort) {
  const sink = createFsSink({ dir: DIR, fs, sweep: false });
  return createSnapshotStore({ sink, name: "db", dir: DIR, fs });
}

/** Warm load: newest good snapshot, then the journal after its seq. */
async function warmLoad(fs: FsPort, preallocateBytes?: number) {
  const snapshots = stores(fs);
  const loaded = await snapshots.loadNewest(listCodec);
  const state = [...(loaded?.value ?? [])];
  const journal = await openJournal({
    fs,
    dir: DIR,
    name: "db",
    afterSeq: loaded?.seq ?? 0,
    ...(preallocateBytes === undefined ? {} : { preallocateBytes }),
    onRecord: (r) => {
      state.push(dec(r.payload));
    },
  });
  return { state, journal, loaded };
}

describe("snapshots and compaction", () => {
  it("warm load = newest snapshot + the records after its seq; compaction drops covered segments", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal, state } = await warmLoad(fs);
    for (const t of ["a", "b", "c"]) {
      await journal.append(enc(t));
      state.push(t);
    }
    const snapshots = stores(fs);
    await compactJournal({ journal, snapshots, seq: 3, chunks: listCodec.encode(state) });
    await journal.append(enc("d"));
    await compactJournal({ journal, snapshots, seq: 4, chunks: listCodec.encode([...state, "d"]) });
    const report = await compactJournal({
      journal,
      snapshots,
      seq: 4,
      chunks: listCodec.encode([...state, "d"]),
    });
    expect(report.removedSnapshots).toEqual([]);
    await journal.append(enc("e"));
    await journal.close();
    expect(await snapshots.list()).toEqual([4, 3]);
    const again = await warmLoad(fs);
    expect(again.state).toEqual(["a", "b", "c", "d", "e"]);
    expect(again.loaded?.seq).toBe(4);
    await again.journal.close();
  });

  it("falls back to the previous snapshot when the newest is rotten, replaying further", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal } = await warmLoad(fs);
    const snapshots = stores(fs);
    for (const t of ["a", "b"]) await journal.append(enc(t));
    await compactJournal({ journal, snapshots, seq: 2, chunks: listCodec.encode(["a", "b"]) });
    await journal.append(enc("c"));
    await compactJournal({ journal, snapshots, seq: 3, chunks: listCodec.encode(["a", "b", "c"]) });
    await journal.append(enc("d"));
    await journal.close();
    fs.vol.writeFileSync(`${DIR}/${snapshots.targetOf(3)}`, "{rotten");
    const again = await warmLoad(fs);
    expect(again.loaded).toMatchObject({ seq: 2, source: "previous-snapshot" });
    expect(again.loaded?.skipped[0]?.quarantinedTo).toMatch(/corrupt/);
    expect(again.state).toEqual(["a", "b", "c", "d"]);
    await again.journal.close();
  });

  it("rejects with a snapshot's own read error instead of passing over a file it cannot read", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const snapshots = stores(fs);
    const { journal } = await warmLoad(fs);
    await journal.append(enc("a"));
    await compactJournal({ journal, snapshots, seq: 1, chunks: listCodec.encode(["a"]) });
    await journal.append(enc("b"));
    await compactJournal({ journal, snapshots, seq: 2, chunks: listCodec.encode(["a", "b"]) });
    await journal.close();
    const files = fs.vol.readdirSync(DIR).sort();
    const newest = snapshots.targetOf(2);
    const unreadable = createFaultyFs(fs, [
      {
        op: "open",
        path: new RegExp(`${newest.replaceAll(".", "\\.")}$`),
        times: Infinity,
        fault: { error: "EACCES" },
      },
    ]);
    await expect(stores(unreadable).loadNewest(listCodec)).rejects.toMatchObject({
      code: "ERR_PERMISSION",
      stage: "open",
      details: { osCode: "EACCES" },
    });
    // Nothing was moved aside, and the snapshot loads once it can be read.
    expect(fs.vol.readdirSync(DIR).sort()).toEqual(files);
    expect(await snapshots.loadNewest(listCodec)).toMatchObject({ seq: 2, source: "snapshot" });
  });

  it("createSnapshotStore and compactJournal refuse an unknown option key with a TypeError naming it", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    expect(() => createSnapshotStore({ sink, name: "db", dir: DIR, fs, keep: 2 } as never)).toThrow(
      new TypeError(
        'createSnapshotStore: unknown option "keep"; known: sink, name, list, remove, dir, fs',
      ),
    );
    const { journal } = await warmLoad(fs);
    await journal.append(enc("a"));
    const compact = { journal, snapshots: stores(fs), seq: 1, chunks: listCodec.encode(["a"]) };
    await expect(compactJournal({ ...compact, kepp: 1 } as never)).rejects.toThrow(
      new TypeError(
        'compactJournal: unknown option "kepp"; known: journal, snapshots, seq, chunks, keep, signal, beforeStep',
      ),
    );
    expect((await fs.readdir(DIR)).filter((file) => file.includes(".snap."))).toEqual([]);
    await journal.close();
  });

  it("createSnapshotStore refuses a name the journal would refuse, with the journal's message", () => {
    const fs = createMemoryFs({ [DIR]: null });
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    for (const name of [undefined, null, 5, "", "a/b", "..", "../db", "db.snap.x", "db.lock"]) {
      let expected: unknown;
      try {
        assertJournalName(name, "createSnapshotStore");
      } catch (error) {
        expected = error;
      }
      expect(expected, String(name)).toBeInstanceOf(TypeError);
      expect(
        () => createSnapshotStore({ sink, name, dir: DIR, fs } as never),
        String(name),
      ).toThrow(expected as TypeError);
    }
    expect(createSnapshotStore({ sink, name: "db-2.v1_x", dir: DIR, fs }).targetOf(1)).toBe(
      "db-2.v1_x.snap.0000000000000001",
    );
  });

  it("asks beforeStep before each step that changes files and stops where it rejects", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal } = await warmLoad(fs);
    for (const t of ["a", "b"]) await journal.append(enc(t));
    const before = (await fs.readdir(DIR)).sort();
    const lost = new PersistenceError("ERR_LOCKED", "lost", { details: { reason: "lost" } });
    let calls = 0;
    const compact = {
      journal,
      snapshots: stores(fs),
      seq: 2,
      chunks: listCodec.encode(["a", "b"]),
    };
    await expect(
      compactJournal({
        ...compact,
        beforeStep: async () => {
          calls++;
          throw lost;
        },
      }),
    ).rejects.toBe(lost);
    expect(calls).toBe(1);
    // Nothing rolled, written or pruned.
    expect((await fs.readdir(DIR)).sort()).toEqual(before);
    await expect(compactJournal({ ...compact, beforeStep: 5 } as never)).rejects.toThrow(
      new TypeError("compactJournal: beforeStep must be a function"),
    );
    let steps = 0;
    await compactJournal({
      ...compact,
      chunks: listCodec.encode(["a", "b"]),
      beforeStep: async () => {
        steps++;
      },
    });
    expect(steps).toBe(4);
    await journal.close();
  });

  it("decides compaction by bytes against the snapshot, by records and by age", () => {
    const base = { journalBytes: 10, snapshotBytes: 100, records: 5, now: 1_000 };
    expect(compactionDue({ minBytes: 50 }, base)).toBeUndefined();
    expect(compactionDue({ minBytes: 50 }, { ...base, journalBytes: 100 })).toBe("bytes");
    expect(
      compactionDue({ minBytes: 50, ratio: 2 }, { ...base, journalBytes: 100 }),
    ).toBeUndefined();
    expect(compactionDue({ maxRecords: 5 }, base)).toBe("records");
    expect(compactionDue({ maxAgeMs: 500 }, { ...base, oldestRecordAt: 400 })).toBe("age");
    expect(compactionDue({ maxAgeMs: 500 }, { ...base, oldestRecordAt: 600 })).toBeUndefined();
    expect(compactionDue({ maxRecords: 1 }, { ...base, records: 0 })).toBeUndefined();
  });

  // Without preallocation the compaction rolls the journal first; with the default 1 MiB it keeps
  // the small active segment (see compactJournal): both must recover in every crash state.
  it.each([
    { preallocateBytes: 0, rolls: true },
    { preallocateBytes: undefined, rolls: false },
  ])(
    "every crash state of a compaction recovers exactly the acknowledged records, none twice (%o)",
    async ({ preallocateBytes, rolls }) => {
      const seedFs = createMemoryFs({ [DIR]: null });
      const seeded = await warmLoad(seedFs, preallocateBytes);
      for (const t of ["a", "b", "c"]) await seeded.journal.append(enc(t));
      await compactJournal({
        journal: seeded.journal,
        snapshots: stores(seedFs),
        seq: 2,
        chunks: listCodec.encode(["a", "b"]),
      });
      await seeded.journal.close();
      const crash = createCrashableFs({
        files: seedFs.toBinary() as Record<string, Uint8Array>,
        maxStates: 1500,
      });
      const { journal, state } = await warmLoad(crash, preallocateBytes);
      expect(state).toEqual(["a", "b", "c"]);
      const openedAt = crash.trace.length;
      await journal.append(enc("d"));
      const dAt = crash.trace.length;
      state.push("d");
      const segmentsBefore = journal.state.segments.length;
      await compactJournal({
        journal,
        snapshots: stores(crash),
        seq: 4,
        chunks: listCodec.encode(state),
      });
      expect(journal.state.segments.length > segmentsBefore).toBe(rolls);
      await journal.append(enc("e"));
      const eAt = crash.trace.length;
      await journal.close();
      const states = crash.crashStates({ from: openedAt });
      expect(states.length).toBeGreaterThan(rolls ? 20 : 10);
      for (const s of states) {
        const recovered = await warmLoad(s.fs());
        await recovered.journal.close();
        const mustHave = 3 + (s.afterOp >= dAt ? 1 : 0) + (s.afterOp >= eAt ? 1 : 0);
        const all = ["a", "b", "c", "d", "e"];
        expect(recovered.state, s.description).toEqual(all.slice(0, recovered.state.length));
        expect(recovered.state.length, s.description).toBeGreaterThanOrEqual(mustHave);
        expect(recovered.state.length, s.description).toBeLessThanOrEqual(5);
      }
    },
  );
});

describe("compactions that keep failing", () => {
  it("do not leave a new preallocated segment each while commits trickle in", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal } = await warmLoad(fs);
    const good = stores(fs);
    // A snapshot store whose every write fails (a replica that keeps throwing, say).
    const failing = { ...good, write: async () => Promise.reject(new Error("encode failed")) };
    for (let round = 0; round < 20; round++) {
      await journal.append(enc(`r${round}`));
      await expect(
        compactJournal({
          journal,
          snapshots: failing,
          seq: journal.state.lastSeq,
          chunks: listCodec.encode([]),
        }),
      ).rejects.toThrow("encode failed");
    }
    // Twenty small records never fill the 1 MiB a new segment starts with: no roll was worth it.
    expect(journal.state.segments).toHaveLength(1);
    // Once the active segment holds that much, a compaction rolls and prunes as before.
    const big = enc("x".repeat(1024 * 1024));
    await journal.append(big);
    const report = await compactJournal({
      journal,
      snapshots: good,
      seq: journal.state.lastSeq,
      chunks: listCodec.encode([]),
      keep: 1,
    });
    expect(report.removedSegments).toHaveLength(1);
    expect(journal.state.segments).toHaveLength(1);
    expect(journal.state.segmentBytes).toBe(SEGMENT_HEADER_BYTES);
    await journal.close();
  });
});

describe("a snapshot written without durability", () => {
  /** A journal with records 1–3, a durable snapshot at 2, and `good` whose writes do not fsync. */
  async function setUp() {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal } = await warmLoad(fs, 0);
    const good = stores(fs);
    for (const t of ["a", "b"]) await journal.append(enc(t));
    await compactJournal({
      journal,
      snapshots: good,
      seq: 2,
      chunks: listCodec.encode(["a", "b"]),
      keep: 1,
    });
    await journal.append(enc("c"));
    const notDurable = {
      ...good,
      write: async (...args: Parameters<typeof good.write>) => ({
        ...(await good.write(...args)),
        durable: false,
      }),
    };
    return { fs, journal, good, notDurable };
  }

  it("is synced first when the snapshot store can, and then prunes as usual", async () => {
    const { journal, good, notDurable } = await setUp();
    let synced: number[] = [];
    const report = await compactJournal({
      journal,
      snapshots: {
        ...notDurable,
        sync: async (seq: number) => {
          synced = [...synced, seq];
          return good.sync?.(seq) ?? false;
        },
      },
      seq: 3,
      chunks: listCodec.encode(["a", "b", "c"]),
      keep: 1,
    });
    expect(synced).toEqual([3]);
    expect(report).toMatchObject({ seq: 3, durable: true, removedSnapshots: [2] });
    expect(await good.list()).toEqual([3]);
    await journal.close();
  });

  it("prunes neither segments nor older snapshots when the store cannot sync it", async () => {
    const { fs, journal, good, notDurable } = await setUp();
    const segments = journal.state.segments;
    const { sync: _cannot, ...withoutSync } = notDurable;
    const report = await compactJournal({
      journal,
      snapshots: withoutSync,
      seq: 3,
      chunks: listCodec.encode(["a", "b", "c"]),
      keep: 1,
    });
    expect(report).toMatchObject({
      seq: 3,
      durable: false,
      removedSegments: [],
      removedSnapshots: [],
    });
    expect(await good.list()).toEqual([3, 2]);
    for (const segment of segments) expect(journal.state.segments).toContain(segment);
    await journal.close();
    // A replay from the older snapshot still finds "c".
    const reopened = await openJournal({
      fs,
      dir: DIR,
      name: "db",
      afterSeq: 2,
      onRecord: () => undefined,
    });
    expect(reopened.recovery.lastSeq).toBe(3);
    await reopened.close();
  });

  it("createSnapshotStore's sync fsyncs the file and says when it cannot", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { journal } = await warmLoad(fs, 0);
    const good = stores(fs);
    await journal.append(enc("a"));
    await good.write(1, listCodec.encode(["a"]));
    expect(await good.sync?.(1)).toBe(true);
    expect(await good.sync?.(9)).toBe(false);
    await journal.close();
  });
});

describe("createJournalFollower", () => {
  it("follows another writer across rolls, never returns a half-written record, and reports a compaction gap", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const writer = await openJournal({ fs, dir: DIR, name: "db", maxSegmentBytes: 70 });
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    expect((await follower.poll()).records).toEqual([]);
    await writer.append(enc("a"));
    await writer.append(enc("b"));
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual(["a", "b"]);
    for (const t of ["c", "d", "e"]) await writer.append(enc(t));
    const polled = await follower.poll();
    expect(polled.records.map((r) => dec(r.payload))).toEqual(["c", "d", "e"]);
    expect(polled.seq).toBe(5);
    // A half-written record at the end (its first bytes, then the preallocated zeros) is left for
    // the next poll.
    const active = `${DIR}/${writer.state.file}`;
    const start = writer.state.segmentBytes;
    await writer.append(enc("f"));
    const full = fs.vol.readFileSync(active) as Buffer;
    expect(full.byteLength).toBeGreaterThan(start + RECORD_HEADER_BYTES + 1);
    fs.vol.writeFileSync(active, new Uint8Array(full).fill(0, start + 5));
    expect((await follower.poll()).records).toEqual([]);
    fs.vol.writeFileSync(active, full);
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual(["f"]);
    await writer.close();

    const late = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    const w2 = await openJournal({ fs, dir: DIR, name: "db", maxSegmentBytes: 70 });
    await w2.roll();
    await w2.removeSegmentsThrough(6);
    expect((await late.poll()).reset).toBe("gap");
    await w2.close();
  });

  it("tells a follower that read a record whose append then failed to rewind", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const writer = await openJournal({ fs: faulty, dir: DIR, name: "db" });
    const follower = createJournalFollower({ fs: memory, dir: DIR, name: "db", afterSeq: 0 });
    await writer.append(enc("a"));
    const stop = new AbortController();
    faulty.addFaults([{ op: "datasync", fault: { hang: true, signal: stop.signal } }]);
    const bad = writer.append(enc("bad"));
    await faulty.waitForHang();
    expect((await follower.poll()).records.map((r) => dec(r.payload))).toEqual(["a", "bad"]);
    stop.abort();
    await expect(bad).rejects.toMatchObject({ details: { committed: false } });
    expect((await follower.poll()).reset).toBe("rewound");
    await writer.close();
  });
});
