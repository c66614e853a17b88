import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal } from "../src/index.js";

const DIR = "/j";

/** A journal of several small segments (each record ends up in its own). */
async function segmented() {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({
    fs,
    dir: DIR,
    name: "db",
    maxSegmentBytes: 100,
    preallocateBytes: 0,
  });
  for (let i = 0; i < 6; i++) await journal.append(new Uint8Array(30));
  // The roll after a full segment runs after the append resolved; the sync queues behind it.
  await journal.sync();
  return { fs, journal };
}

describe("removeSegmentsThrough once close() was called", () => {
  it("rejects ERR_CLOSED and deletes nothing, like sync() and roll()", async () => {
    const { fs, journal } = await segmented();
    const before = await fs.readdir(DIR);
    expect(journal.state.segments.length).toBeGreaterThan(2);
    const closing = journal.close();
    const removal = journal.removeSegmentsThrough(5);
    await expect(closing).resolves.toMatchObject({ ok: true });
    await expect(removal).rejects.toMatchObject({ code: "ERR_CLOSED" });
    expect(await fs.readdir(DIR)).toEqual(before);
  });

  it("stops a removal that is running before its next deletion", async () => {
    const { fs, journal } = await segmented();
    const segments = journal.state.segments.length;
    const unlinked: string[] = [];
    const unlink = fs.unlink.bind(fs);
    let closing: Promise<unknown> | undefined;
    fs.unlink = async (path: string) => {
      await unlink(path);
      unlinked.push(path);
      // The journal's close is called while the first deletion is under way.
      closing ??= journal.close();
    };
    await expect(journal.removeSegmentsThrough(5)).rejects.toMatchObject({ code: "ERR_CLOSED" });
    await closing;
    expect(unlinked).toHaveLength(1);
    expect((await fs.readdir(DIR)).filter((f) => f.includes(".wal."))).toHaveLength(segments - 1);
  });
});

describe("a file name longer than the file system allows", () => {
  it("fails openJournal with ERR_INVALID_TARGET (reason name-too-long), as sink-fs does", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const open = fs.open.bind(fs);
    fs.open = async (path, flags, mode) => {
      if (String(path).includes(".wal.") && flags !== "r") {
        throw Object.assign(new Error("ENAMETOOLONG: name too long"), { code: "ENAMETOOLONG" });
      }
      return open(path, flags, mode);
    };
    await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "name-too-long", osCode: "ENAMETOOLONG" },
    });
  });
});
