import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createJournalFollower, openJournal } from "../src/index.js";
import { enc } from "./helpers.js";

const DIR = "/j";

async function threeRecords() {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({ fs, dir: DIR, name: "db" });
  for (let i = 0; i < 3; i++) await journal.append(enc(`r${i}`));
  await journal.close();
  return fs;
}

describe("a follower's first poll", () => {
  it("is ERR_GAP when the journal ends before afterSeq (a snapshot newer than every record)", async () => {
    const fs = await threeRecords();
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 7 });
    await expect(follower.poll()).rejects.toMatchObject({
      code: "ERR_GAP",
      stage: "open",
      details: { seq: 3, afterSeq: 7 },
    });
  });

  it("starts at afterSeq when the journal reaches it, records after it or not", async () => {
    const fs = await threeRecords();
    const atEnd = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 3 });
    expect(await atEnd.poll()).toEqual({ records: [], seq: 3 });
    const before = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 1 });
    expect((await before.poll()).records.map((r) => r.seq)).toEqual([2, 3]);
  });
});
