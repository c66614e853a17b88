import { constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { createCrashableFs, createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";
const dsync = constants.O_DSYNC ?? 0;

describe.runIf(dsync !== 0)("journal syncWrites (O_DSYNC segments)", () => {
  it("opens the active segment with O_DSYNC and writes a group with one writev, no fdatasync", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db", syncWrites: true });
    const open = faulty.calls.find((c) => c.op === "open" && String(c.path).includes(".wal."));
    expect(typeof open?.flags === "number" && (open.flags & dsync) !== 0).toBe(true);
    const before = faulty.calls.length;
    const results = await Promise.all(["a", "b", "c"].map((t) => journal.append(enc(t))));
    expect(results.map((r) => [r.seq, r.durable])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(faulty.calls.slice(before).map((c) => c.op)).toEqual(["writev"]);
    expect(journal.state.durableSeq).toBe(3);
    await journal.close();
  });

  it("without commit durability the flag is not used and the writer keeps its fdatasync", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      syncWrites: true,
      durability: "os",
    });
    const open = faulty.calls.find((c) => c.op === "open" && String(c.path).includes(".wal."));
    expect(open?.flags).toBe("wx");
    await journal.append(enc("a"));
    expect(journal.state.durableSeq).toBe(0);
    await journal.close();
  });

  it("a failed O_DSYNC write fails its group (not committed) and every append queued behind it", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const faulty = createFaultyFs(memory);
    const journal = await openJournal({ fs: faulty, dir: DIR, name: "db", syncWrites: true });
    await journal.append(enc("ok1"));
    // The write reaches the file (as a write whose sync part failed would) and then fails.
    faulty.addFaults([{ op: "writev", fault: { torn: 1000, error: "EIO" } }]);
    const failed = await Promise.allSettled([
      journal.append(enc("bad1")),
      journal.append(enc("bad2")),
    ]);
    for (const f of failed) {
      expect(f.status).toBe("rejected");
      expect((f as PromiseRejectedResult).reason).toMatchObject({
        code: "ERR_IO",
        details: { committed: false },
      });
    }
    expect(journal.state.durableSeq).toBe(1);
    expect(journal.state.seals).toBe(1);
    expect((await journal.append(enc("ok2"))).seq).toBe(2);
    await journal.close();
    const { texts, seqs } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["ok1", "ok2"]);
    expect(seqs).toEqual([1, 2]);
  });

  it("every crash state recovers a prefix holding every acknowledged append", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 1500 });
    const journal = await openJournal({
      fs: crash,
      dir: DIR,
      name: "db",
      syncWrites: true,
      maxSegmentBytes: 90,
    });
    const acked: { text: string; at: number }[] = [];
    for (const group of [["a1"], ["b1", "b2", "b3"], ["c1"], ["d1", "d2"]]) {
      await Promise.all(
        group.map((text) =>
          journal.append(enc(text)).then(() => acked.push({ text, at: crash.trace.length })),
        ),
      );
    }
    await journal.close();
    // The crash model records each O_DSYNC write as a write followed by its sync.
    const trace = crash.trace;
    const walWrites = trace.flatMap((t, i) =>
      t.op === "write" && t.path.includes(".wal.") ? [trace[i + 1]?.op] : [],
    );
    expect(walWrites.length).toBeGreaterThan(4);
    expect(new Set(walWrites)).toEqual(new Set(["fsync"]));
    const states = crash.crashStates();
    expect(states.length).toBeGreaterThan(20);
    const order = acked.map((a) => a.text);
    for (const state of states) {
      const { texts } = await replayTexts(state.fs() as FsPort, DIR, "db");
      const context = `${state.description}\nrecovered: ${JSON.stringify(texts)}`;
      expect(texts, context).toEqual(order.slice(0, texts.length));
      const mustHave = acked.filter((a) => a.at <= state.afterOp).length;
      expect(texts.length, context).toBeGreaterThanOrEqual(mustHave);
    }
  });

  it("on the real file system: appends are durable and a reopened journal reads them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "snapwrite-sync-writes-"));
    try {
      const journal = await openJournal({ dir, name: "db", syncWrites: true });
      await Promise.all(["a", "b"].map((t) => journal.append(enc(t))));
      await journal.append(enc("c"));
      expect(journal.state.durableSeq).toBe(3);
      await journal.close();
      const again = await openJournal({ dir, name: "db", syncWrites: true });
      expect(again.state.lastSeq).toBe(3);
      await again.append(enc("d"));
      await again.close();
      const { texts } = await replayTexts(
        (await import("node:fs/promises")) as unknown as FsPort,
        dir,
        "db",
      );
      expect(texts).toEqual(["a", "b", "c", "d"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
