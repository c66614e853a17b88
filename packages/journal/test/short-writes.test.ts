import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openJournal } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";

async function journalOnFaultyFs() {
  const memory = createMemoryFs({ [DIR]: null });
  const faulty = createFaultyFs(memory);
  const journal = await openJournal({ fs: faulty, dir: DIR, name: "db" });
  await journal.append(enc("first"));
  return { memory, faulty, journal };
}

describe("journal short writes", () => {
  it("a write cut short by a full disk fails with ERR_NO_SPACE and its OS code, not a bare ERR_IO", async () => {
    const { memory, faulty, journal } = await journalOnFaultyFs();
    // The disk takes 5 bytes, then refuses the rest.
    faulty.addFaults([
      { op: "writev", nth: 1, fault: { torn: 5 } },
      { op: "writev", nth: 2, fault: { error: "ENOSPC" } },
    ]);
    const failed = journal.append(enc("x".repeat(100)));
    await expect(failed).rejects.toMatchObject({
      code: "ERR_NO_SPACE",
      stage: "write",
      details: { osCode: "ENOSPC", committed: false, sealed: true },
    });
    await expect(failed.catch((e: { cause: unknown }) => e.cause)).resolves.toMatchObject({
      code: "ERR_NO_SPACE",
      details: { osCode: "ENOSPC" },
    });
    expect((await journal.append(enc("after"))).seq).toBe(2);
    await journal.close();
    const { texts } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["first", "after"]);
  });

  it("a short write that the file system completes on the next call is acknowledged", async () => {
    const { memory, faulty, journal } = await journalOnFaultyFs();
    faulty.addFaults([{ op: "writev", fault: { torn: 7 } }]);
    const result = await journal.append(enc("written in two parts"));
    expect(result).toMatchObject({ seq: 2, durable: true });
    expect(journal.state.seals).toBe(0);
    await journal.close();
    const { texts } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["first", "written in two parts"]);
  });

  it("writes that make no progress end in ERR_IO saying so, and the segment is sealed", async () => {
    const { memory, faulty, journal } = await journalOnFaultyFs();
    faulty.addFaults([{ op: "writev", times: 3, fault: { torn: 0 } }]);
    await expect(journal.append(enc("never"))).rejects.toMatchObject({
      code: "ERR_IO",
      message: expect.stringMatching(/no progress/),
      details: { committed: false, sealed: true },
    });
    await journal.close();
    const { texts } = await replayTexts(memory, DIR, "db", { recovery: "absolute" });
    expect(texts).toEqual(["first"]);
  });
});
