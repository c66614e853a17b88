import { createFsSink } from "@snapwrite/sink-fs";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  compactJournal,
  createSnapshotStore,
  openAppendLog,
  openJournal,
  readAppendLog,
  replayJournal,
} from "../src/index.js";
import { enc, policyError, safeIntegerFrom } from "./helpers.js";

const DIR = "/j";

/** Only a left-out option takes its default: `null` is no number and no group. */
describe("null is no default for any numeric option, option group or durability", () => {
  it("openJournal: each size, the group and durability; nothing is created", async () => {
    const fs = createMemoryFs({ "/base": null });
    const open = (extra: Record<string, unknown>) =>
      openJournal({ fs, dir: "/base/j", name: "db", ...extra } as never);
    for (const key of ["maxRecordBytes", "maxSegmentBytes", "preallocateBytes"]) {
      await expect(open({ [key]: null }), key).rejects.toThrow(
        new TypeError(`openJournal: ${key} must be a number, got null`),
      );
    }
    await expect(open({ group: null })).rejects.toThrow(TypeError);
    await expect(open({ durability: null })).rejects.toThrow(
      new TypeError("openJournal: bad durability"),
    );
    await expect(open({ firstSeq: null })).rejects.toThrow(
      new TypeError("openJournal: firstSeq must be a safe integer ≥ 1, got null"),
    );
    expect(await fs.readdir("/base")).toEqual([]);
  });

  it("openJournal: preallocateBytes is a safe integer ≥ 0 through resolvePolicy", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    for (const preallocateBytes of [-1, 1.5, Number.NaN, 2 ** 60]) {
      await expect(openJournal({ fs, dir: DIR, name: "db", preallocateBytes })).rejects.toThrow(
        policyError("openJournal: preallocateBytes", preallocateBytes, safeIntegerFrom(0)),
      );
    }
    const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0 });
    await journal.append(enc("a"));
    await journal.close();
  });

  it("compactJournal: a null or bad keep; no file changes", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    const sink = createFsSink({ dir: DIR, fs, sweep: false });
    const snapshots = createSnapshotStore({ sink, name: "db", dir: DIR, fs });
    const files = (await fs.readdir(DIR)).sort();
    const compact = (keep: unknown) =>
      compactJournal({ journal, snapshots, seq: 1, chunks: [enc("s")], keep } as never);
    await expect(compact(null)).rejects.toThrow(
      new TypeError("compactJournal: keep must be a number, got null"),
    );
    for (const keep of [0, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(compact(keep)).rejects.toThrow(
        policyError("compactJournal: keep", keep, safeIntegerFrom(1)),
      );
    }
    expect((await fs.readdir(DIR)).sort()).toEqual(files);
    await journal.close();
  });

  it("replayJournal: maxRecordBytes and afterSeq are checked as openJournal checks them", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    await journal.append(enc("a"));
    await journal.close();
    const replay = (extra: Record<string, unknown>) =>
      replayJournal({ fs, dir: DIR, name: "db", onRecord: () => undefined, ...extra } as never);
    for (const maxRecordBytes of [0, -1, 2.5, Number.NaN]) {
      await expect(replay({ maxRecordBytes })).rejects.toThrow(
        policyError("replayJournal: maxRecordBytes", maxRecordBytes, safeIntegerFrom(1)),
      );
    }
    await expect(replay({ maxRecordBytes: null })).rejects.toThrow(
      new TypeError("replayJournal: maxRecordBytes must be a number, got null"),
    );
    await expect(replay({ afterSeq: -1 })).rejects.toThrow(
      new RangeError("replayJournal: afterSeq must be a safe integer ≥ 0, got -1"),
    );
    await expect(replay({ afterSeq: null })).rejects.toThrow(TypeError);
    expect((await replay({ maxRecordBytes: 64, afterSeq: 0 })).replayed).toBe(1);
  });

  it("openAppendLog and readAppendLog: a null maxRecordBytes", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const path = "/logs/a.jsonl";
    await expect(openAppendLog({ fs, path, maxRecordBytes: null } as never)).rejects.toThrow(
      new TypeError("openAppendLog: maxRecordBytes must be a number, got null"),
    );
    await expect(readAppendLog({ fs, path, maxRecordBytes: null } as never).next()).rejects.toThrow(
      new TypeError("readAppendLog: maxRecordBytes must be a number, got null"),
    );
    expect(await fs.readdir("/logs")).toEqual([]);
  });
});
