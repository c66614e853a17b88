import type { FsPort } from "@snapwrite/core";
import { type CrashableFs, createCrashableFs, createFaultyFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  decodeSegmentHeader,
  type Journal,
  openJournal,
  SEGMENT_HEADER_BYTES,
  scanSegment,
} from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";
/** Small zero-filled windows, so that the appends below cross several extensions. */
const PREALLOCATE = 256;

interface Outcomes {
  /** Acknowledged payloads in seq order, with the trace length when each was acknowledged. */
  readonly acked: { text: string; at: number }[];
  /** Payloads whose append failed, with the trace length when the failure was reported. */
  readonly failed: Map<string, number>;
}

async function appendAll(journal: Journal, crash: CrashableFs, texts: string[], out: Outcomes) {
  await Promise.all(
    texts.map((text) =>
      journal.append(enc(text)).then(
        () => out.acked.push({ text, at: crash.trace.length }),
        () => out.failed.set(text, crash.trace.length),
      ),
    ),
  );
}

/**
 * Every crash state: the recovered log is a prefix of the acknowledged appends that holds all
 * appends acknowledged before the crash point and no duplicate. A failed append is never in it
 * once its failure was reported; before that (the crash interrupted it) it may end the log.
 */
async function checkEveryState(crash: CrashableFs, out: Outcomes, minStates = 20) {
  const states = crash.crashStates();
  expect(states.length).toBeGreaterThan(minStates);
  const order = out.acked.map((a) => a.text);
  for (const state of states) {
    const fs = state.fs();
    const { texts } = await replayTexts(fs, DIR, "db");
    const context = `${state.description}\nrecovered: ${JSON.stringify(texts)}`;
    const inFlight = (t: string) => (out.failed.get(t) ?? Number.POSITIVE_INFINITY) > state.afterOp;
    let kept = texts.length;
    while (
      kept > 0 &&
      out.failed.has(texts[kept - 1] as string) &&
      inFlight(texts[kept - 1] as string)
    ) {
      kept--;
    }
    expect(texts.slice(0, kept), context).toEqual(order.slice(0, kept));
    const mustHave = out.acked.filter((a) => a.at <= state.afterOp).length;
    expect(kept, context).toBeGreaterThanOrEqual(mustHave);
    expect(new Set(texts).size, context).toBe(texts.length);
    const journal = await openJournal({
      fs: fs as FsPort,
      dir: DIR,
      name: "db",
      preallocateBytes: PREALLOCATE,
    }).catch((e: unknown) => {
      throw new Error(
        `open: ${state.description}: ${String(e)} ${JSON.stringify([...state.files.keys()])}`,
      );
    });
    // Zeros after the last record (a window written, synced or not, or torn) are never a tail.
    expect(journal.recovery.tail?.reason, context).not.toBe("zero");
    if (zeroTail(state.files)) expect(journal.recovery.sealed, context).toBe(false);
    await journal.append(enc("after"));
    await journal.close();
    const again = await replayTexts(fs, DIR, "db", { recovery: "absolute" });
    expect(again.texts, context).toEqual([...texts, "after"]);
  }
}

/** True when the newest segment of `files` ends in zeros after its last record (a whole one). */
function zeroTail(files: ReadonlyMap<string, Uint8Array>): boolean {
  const last = [...files.keys()]
    .filter((f) => f.includes(".wal."))
    .sort()
    .at(-1);
  const bytes = last === undefined ? undefined : files.get(last);
  if (bytes === undefined || bytes.byteLength <= SEGMENT_HEADER_BYTES) return false;
  const header = decodeSegmentHeader(bytes);
  const scan = scanSegment(bytes, header, bytes.byteLength, 1 << 20);
  return scan.problem?.reason === "zero";
}

describe("journal crash states", () => {
  it("appends, group commit and a size roll: every crash state recovers the acknowledged prefix", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 1500 });
    const journal = await openJournal({
      fs: crash,
      dir: DIR,
      name: "db",
      maxSegmentBytes: 90,
      preallocateBytes: PREALLOCATE,
    });
    const out: Outcomes = { acked: [], failed: new Map() };
    await appendAll(journal, crash, ["a1"], out);
    await appendAll(journal, crash, ["b1", "b2", "b3"], out);
    await appendAll(journal, crash, ["c1"], out);
    await appendAll(journal, crash, ["d1", "d2"], out);
    await journal.close();
    expect(out.failed.size).toBe(0);
    expect(
      crash.trace.filter((t) => t.op === "create" && t.path.includes(".wal.")).length,
    ).toBeGreaterThan(1);
    await checkEveryState(crash, out);
  });

  it("a seal-and-roll after an fsync error: no crash state shows the failed group", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 1500 });
    const faulty = createFaultyFs(crash);
    const journal = await openJournal({
      fs: faulty,
      dir: DIR,
      name: "db",
      preallocateBytes: PREALLOCATE,
    });
    const out: Outcomes = { acked: [], failed: new Map() };
    await appendAll(journal, crash, ["a1", "a2"], out);
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    await appendAll(journal, crash, ["x1", "x2"], out);
    await appendAll(journal, crash, ["b1"], out);
    faulty.addFaults([{ op: "writev", fault: { torn: 5, error: "ENOSPC" } }]);
    await appendAll(journal, crash, ["y1"], out);
    await appendAll(journal, crash, ["c1"], out);
    await journal.close();
    expect([...out.failed.keys()].sort()).toEqual(["x1", "x2", "y1"]);
    await checkEveryState(crash, out);
  });

  it("tail repair at open: every crash state of the repair recovers the same records", async () => {
    const seed = createCrashableFs({ files: { [DIR]: null } });
    const first = await openJournal({
      fs: seed,
      dir: DIR,
      name: "db",
      preallocateBytes: PREALLOCATE,
    });
    for (const t of ["a", "b", "c"]) await first.append(enc(t));
    const valid = first.state.segmentBytes;
    await first.close();
    const [file] = (await seed.readdir(DIR)).filter((f) => f.includes(".wal."));
    const bytes = await seed.readFile(`${DIR}/${file}`);
    const crash = createCrashableFs({
      // The last record cut short (the zeros preallocated after it cut off too).
      files: { [`${DIR}/${file}`]: bytes.subarray(0, valid - 2) },
      maxStates: 1000,
    });
    const journal = await openJournal({
      fs: crash,
      dir: DIR,
      name: "db",
      preallocateBytes: PREALLOCATE,
    });
    const out: Outcomes = {
      acked: [
        { text: "a", at: 0 },
        { text: "b", at: 0 },
      ],
      failed: new Map(),
    };
    await appendAll(journal, crash, ["d"], out);
    await journal.close();
    await checkEveryState(crash, out, 5);
  });

  for (const syncWrites of [false, true]) {
    it(`zero-filled windows written between groups${syncWrites ? " (O_DSYNC)" : ""}: a crash during a zero write, after it or before its sync recovers the acknowledged prefix`, async () => {
      const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 1500 });
      const journal = await openJournal({
        fs: crash,
        dir: DIR,
        name: "db",
        syncWrites,
        preallocateBytes: PREALLOCATE,
      });
      const out: Outcomes = { acked: [], failed: new Map() };
      for (let i = 0; i < 8; i++) {
        await appendAll(journal, crash, [`g${i}-${"x".repeat(40)}`, `h${i}`], out);
      }
      await journal.close();
      expect(out.failed.size).toBe(0);
      // Groups write 86 bytes and headers 40: the writes of at least half a window are its zeros.
      const zeroWrites = crash.trace.filter(
        (t) => t.op === "write" && (t.bytes ?? 0) >= PREALLOCATE / 2,
      );
      expect(zeroWrites.length).toBeGreaterThan(2);
      await checkEveryState(crash, out);
    });
  }
});
