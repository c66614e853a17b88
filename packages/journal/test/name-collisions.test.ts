import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  assertJournalName,
  createJournalFollower,
  openJournal,
  RESERVED_NAME_PARTS,
  replayJournal,
  segmentFileName,
} from "../src/index.js";
import { enc } from "./helpers.js";

const DIR = "/j";

/** A journal name that, before names were checked, made its files start like `s`'s unused ones. */
const COLLIDING = `${segmentFileName("s", 1, 0)}.unused-b`;

describe("journals with colliding names in one directory", () => {
  it("opening journal s touches none of the (zero-byte, just created) files another journal's name makes look like s's *.unused-* leftovers", async () => {
    // What a journal named COLLIDING (accepted before) leaves: its first segment with a record and
    // a just-created, still zero-byte next segment; and stray names near the quarantine format.
    const other = [
      `${COLLIDING}.wal.0000000000000001-0000`,
      `${COLLIDING}.wal.0000000000000009-0000`,
      `${segmentFileName("s", 2, 0)}.unused-1700000000000-abc123.wal.0000000000000001-0000`,
      `${segmentFileName("s", 3, 0)}.unused-1700000000000-abc123-x`,
      `${segmentFileName("s", 4, 0)}.unused-1700000000000-ABC123`,
      `${segmentFileName("s", 5, 0)}.unused-notatime-abc123`,
      `${segmentFileName("s", 6, 0)}.unused-1700000000000-`,
      `${segmentFileName("s", 7, 0)}.unused-`,
      `${segmentFileName("s", 8, 0)}x.unused-1700000000000-abc123`,
    ];
    const own = `${segmentFileName("s", 10, 0)}.unused-1700000000000-abc123`;
    const files: Record<string, Uint8Array | null> = { [DIR]: null };
    for (const file of [...other, own]) files[`${DIR}/${file}`] = new Uint8Array(0);
    files[`${DIR}/${other[0]}`] = Uint8Array.of(1, 2, 3);
    const fs = createMemoryFs(files);
    const journal = await openJournal({ fs, dir: DIR, name: "s" });
    expect(journal.recovery.removedEmpty).toEqual([own]);
    expect(journal.recovery.quarantined).toEqual([]);
    await journal.append(enc("a"));
    await journal.close();
    const left = await fs.readdir(DIR);
    for (const file of other) expect(left, file).toContain(file);
    expect((await fs.stat(`${DIR}/${other[0]}`)).size).toBe(3);
    expect(left).not.toContain(own);
  });

  it("a name another journal's file names could parse as, or . and .., is a TypeError naming the option, before anything is touched", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const refused = [
      COLLIDING,
      "s.wal.x",
      "s.snap.0000000000000001",
      "a.unused-1",
      "a.torn-1",
      "a.superseded-1",
      "a.foreign-1",
      "a.corrupt-1",
      "a.lock",
      ".a.lock.b",
    ];
    for (const name of refused) {
      const part = RESERVED_NAME_PARTS.find((p) => name.includes(p));
      const expected = new TypeError(
        `openJournal: name must not contain ${JSON.stringify(part)} (the journal's own file names use it, so another journal's files in the directory could pass for this one's), got ${JSON.stringify(name)}`,
      );
      await expect(openJournal({ fs, dir: DIR, name }), name).rejects.toThrow(expected);
      await expect(replayJournal({ fs, dir: DIR, name }), name).rejects.toThrow(TypeError);
      expect(() => createJournalFollower({ fs, dir: DIR, name, afterSeq: 0 }), name).toThrow(
        TypeError,
      );
    }
    for (const name of [".", ".."]) {
      await expect(openJournal({ fs, dir: DIR, name })).rejects.toThrow(
        new TypeError(`openJournal: name must be a plain file name, not ${JSON.stringify(name)}`),
      );
    }
    expect(await fs.readdir(DIR)).toEqual([]);
    // Dots elsewhere stay fine.
    for (const name of ["s", "s.x", "...", "a.b-c_d", ".hidden", "wal", "s.waller", "snap"]) {
      expect(() => assertJournalName(name, "t"), name).not.toThrow();
    }
    const journal = await openJournal({ fs, dir: DIR, name: "s.x" });
    await journal.append(enc("a"));
    await journal.close();
  });
});
