import { PersistenceError } from "@snapwrite/core";
import { createFsSink } from "@snapwrite/sink-fs";
import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createSnapshotStore,
  openJournal,
  segmentFileName,
  snapshotFileName,
} from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

// Core's WriteStage has no stage for removing a file: every unlink the journal makes reports
// "rename" (the stage of directory-entry changes) with details.op "unlink".

const DIR = "/j";

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<PersistenceError> {
  const error = await promise.then(
    () => expect.unreachable("it succeeded"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PersistenceError);
  return error as PersistenceError;
}

describe("a failed unlink says details.op unlink", () => {
  it("removeSegmentsThrough: stage rename, naming the segment, which stays", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    await journal.roll();
    await journal.append(enc("b"));
    const segments = [...journal.state.segments];
    expect(segments).toHaveLength(2);
    fs.addFaults([{ op: "unlink", fault: { error: "EACCES" } }]);
    const error = await rejection(journal.removeSegmentsThrough(1));
    expect(error).toMatchObject({
      code: "ERR_PERMISSION",
      stage: "rename",
      target: segments[0],
      details: { osCode: "EACCES", op: "unlink" },
    });
    expect(journal.state.segments).toEqual(segments);
    expect(await memory.readdir(DIR)).toEqual(expect.arrayContaining(segments));
    // A later removal goes through.
    expect(await journal.removeSegmentsThrough(1)).toEqual([segments[0]]);
    await journal.close();
    expect((await replayTexts(memory, DIR, "db", { afterSeq: 1 })).texts).toEqual(["b"]);
  });

  it("the snapshot store's removal of old snapshots: stage rename, naming the snapshot", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    const snapshots = createSnapshotStore({ sink, name: "db", dir: DIR, fs });
    for (const seq of [1, 2, 3]) await snapshots.write(seq, [enc(`s${seq}`)]);
    fs.addFaults([{ op: "unlink", fault: { error: "EACCES" } }]);
    const oldest = snapshotFileName("db", 2);
    const error = await rejection(snapshots.prune(1));
    expect(error).toMatchObject({
      code: "ERR_PERMISSION",
      stage: "rename",
      target: oldest,
      details: { osCode: "EACCES", op: "unlink" },
    });
    expect(await snapshots.list()).toEqual([3, 2, 1]);
    expect(await snapshots.prune(1)).toEqual([2, 1]);
  });

  it("a segment start's cleanup: the unlink's own stage and code, with removed false and the original failure", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    const next = segmentFileName("db", 2, 0);
    fs.addFaults([
      { op: "datasync", path: `${DIR}/${next}`, fault: { error: "EIO" } },
      { op: "unlink", path: `${DIR}/${next}`, fault: { error: "EACCES" } },
    ]);
    const error = await rejection(journal.roll());
    expect(error).toMatchObject({
      code: "ERR_PERMISSION",
      stage: "rename",
      target: next,
      message: `cannot start segment ${next} nor remove it`,
      details: {
        osCode: "EACCES",
        op: "unlink",
        removed: false,
        original: { code: "ERR_IO", stage: "write", target: next },
      },
    });
    // The segment could not be removed: the journal cannot go on.
    expect(journal.state.mode).toBe("read-only");
    expect(await memory.readdir(DIR)).toContain(next);
    await journal.close();
  });

  it("a segment start's cleanup whose directory fsync fails: stage sync-dir, no op", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    const next = segmentFileName("db", 2, 0);
    fs.addFaults([
      { op: "datasync", path: `${DIR}/${next}`, fault: { error: "EIO" } },
      { op: "sync", path: DIR, fault: { error: "EIO" } },
    ]);
    const error = await rejection(journal.roll());
    expect(error).toMatchObject({
      code: "ERR_IO",
      stage: "sync-dir",
      target: next,
      details: { osCode: "EIO", removed: false, original: { code: "ERR_IO", stage: "write" } },
    });
    expect(error.details).not.toHaveProperty("op");
    expect(journal.state.mode).toBe("read-only");
    expect(await memory.readdir(DIR)).not.toContain(next);
    await journal.close();
  });
});
