import { PersistenceError } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, openJournal } from "../src/index.js";
import { replayTexts } from "./helpers.js";

/** The parts of a refusal that callers branch on. */
function shapeOf(error: unknown) {
  expect(error).toBeInstanceOf(PersistenceError);
  const e = error as PersistenceError;
  return { code: e.code, stage: e.stage, details: e.details, message: e.message };
}

describe("a record above maxRecordBytes", () => {
  it("the journal writer refuses it with committed: false, in the append log's shape, and writes nothing", async () => {
    const fs = createMemoryFs({ "/j": null, "/logs": null });
    const journal = await openJournal({ fs, dir: "/j", name: "db", maxRecordBytes: 8 });
    const log = await openAppendLog({
      fs,
      path: "/logs/a.bin",
      format: "framed",
      maxRecordBytes: 8,
    });
    const fromJournal = shapeOf(await journal.append(new Uint8Array(9)).catch((e: unknown) => e));
    const fromGroup = shapeOf(
      await journal.appendGroup([new Uint8Array(1), new Uint8Array(9)]).catch((e: unknown) => e),
    );
    const fromLog = shapeOf(await log.append(new Uint8Array(9)).catch((e: unknown) => e));
    expect(fromJournal).toEqual({
      code: "ERR_ENCODE",
      stage: "encode",
      details: { committed: false, bytes: 9, maxRecordBytes: 8 },
      message: "record of 9 bytes exceeds maxRecordBytes 8",
    });
    expect(fromGroup).toEqual(fromJournal);
    // The log counts the bytes of its encoded record (framing included): the same shape.
    expect(fromLog).toEqual({
      ...fromJournal,
      details: { ...fromJournal.details, bytes: fromLog.details?.bytes },
      message: `record of ${fromLog.details?.bytes} bytes exceeds maxRecordBytes 8`,
    });
    expect(journal.state.lastSeq).toBe(0);
    expect((await journal.append(new Uint8Array(8))).seq).toBe(1);
    await journal.close();
    await log.close();
    expect((await replayTexts(fs, "/j", "db", { recovery: "absolute" })).seqs).toEqual([1]);
  });
});
