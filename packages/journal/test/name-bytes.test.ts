import { appendFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  MAX_APPEND_LOG_NAME_BYTES,
  MAX_FILE_NAME_BYTES,
  MAX_JOURNAL_NAME_BYTES,
  openAppendLog,
  openJournal,
  readAppendLog,
  segmentFileName,
} from "../src/index.js";
import { appendLogFileNames, journalFileNames, utf8Bytes } from "../src/name-bytes.js";
import { enc } from "./helpers.js";
import { TempDirs } from "./real-fs.js";

const temps = new TempDirs("name-bytes-");
afterEach(() => temps.removeAll());

const TOO_LONG = {
  code: "ERR_INVALID_TARGET",
  stage: "open",
  details: { reason: "name-too-long" },
};

describe("a journal name at the file system's limit", () => {
  const longest = "j".repeat(MAX_JOURNAL_NAME_BYTES);

  it("may have 197 bytes: every file name derived from it fits, the longest exactly", async () => {
    expect(MAX_JOURNAL_NAME_BYTES).toBe(197);
    const dir = await temps.create();
    const names = journalFileNames(longest);
    expect(Math.max(...names.map(utf8Bytes))).toBe(MAX_FILE_NAME_BYTES);
    // The real file system takes each of them.
    for (const name of names) writeFileSync(join(dir, name), "");
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("works through a torn-tail repair, an unused segment moved aside, a roll and a removal", async () => {
    const dir = await temps.create();
    const options = { dir, name: longest, preallocateBytes: 0 };
    const first = await openJournal(options);
    await first.append(enc("a"));
    await first.close();
    const segment = segmentFileName(longest, 1, 0);
    appendFileSync(join(dir, segment), Buffer.alloc(100, 0xab));
    // A successor whose header never became complete: moved aside as unused.
    writeFileSync(join(dir, segmentFileName(longest, 2, 0)), Buffer.alloc(10, 0xcd));

    const second = await openJournal(options);
    expect(second.recovery.tail).toMatchObject({ reason: "torn" });
    expect(second.recovery.quarantined).toEqual([
      expect.stringContaining(".unused-"),
      expect.stringContaining(".torn-"),
    ]);
    await second.append(enc("b"));
    await second.roll();
    await second.append(enc("c"));
    expect(await second.removeSegmentsThrough(2)).toContain(segment);
    await second.close();

    const third = await openJournal({ ...options, afterSeq: 2 });
    expect(third.state.lastSeq).toBe(3);
    expect(third.recovery.tail).toBeNull();
    await third.close();
  });

  it("one byte more is refused at open, before the directory is created", async () => {
    const dir = join(await temps.create(), "new");
    await expect(openJournal({ dir, name: `${longest}j` })).rejects.toMatchObject({
      ...TOO_LONG,
      target: join(dir, `${longest}j`),
      details: { reason: "name-too-long", bytes: 198, maxBytes: 197, maxFileNameBytes: 255 },
    });
    expect(existsSync(dir)).toBe(false);
  });
});

describe("an append log's file name at the file system's limit", () => {
  const longest = `${"l".repeat(MAX_APPEND_LOG_NAME_BYTES - 6)}.jsonl`;

  it("may have 227 bytes: every file name derived from it fits, the longest exactly", async () => {
    expect(MAX_APPEND_LOG_NAME_BYTES).toBe(227);
    const dir = await temps.create();
    const names = appendLogFileNames(longest);
    expect(Math.max(...names.map(utf8Bytes))).toBe(MAX_FILE_NAME_BYTES);
    for (const name of names) writeFileSync(join(dir, name), "");
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("works through a torn-tail repair and rotations with retention", async () => {
    const dir = await temps.create();
    const path = join(dir, longest);
    const rotate = { maxBytes: 200, keep: 1 };
    const first = await openAppendLog({ path, rotate });
    await first.append({ n: 1 });
    await first.close();
    appendFileSync(path, '{"seq":2,"va');

    const second = await openAppendLog({ path, rotate });
    expect(second.repairs).toHaveLength(1);
    for (let n = 2; n <= 6; n++) await second.append({ n, pad: "x".repeat(150) });
    expect((await second.close()).ok).toBe(true);

    const values: unknown[] = [];
    for await (const entry of readAppendLog({ path })) {
      if ("problem" in entry) throw new Error(`damage: ${entry.problem}`);
      values.push(entry.value);
    }
    // keep: 1 leaves the last rotated file and the active one.
    expect(values).toEqual([5, 6].map((n) => ({ n, pad: "x".repeat(150) })));
  });

  it("one byte more is refused at open, counted in UTF-8 bytes, before the directory is created", async () => {
    const dir = join(await temps.create(), "new");
    // 113 two-byte characters and one byte: 227 bytes, then 228.
    const fits = `${"é".repeat(113)}l`;
    expect(utf8Bytes(fits)).toBe(MAX_APPEND_LOG_NAME_BYTES);
    const log = await openAppendLog({ path: join(dir, fits) });
    await log.close();
    const over = join(dir, "more", `${"é".repeat(114)}`);
    await expect(openAppendLog({ path: over })).rejects.toMatchObject({
      ...TOO_LONG,
      details: { reason: "name-too-long", bytes: 228, maxBytes: 227 },
    });
    expect(existsSync(join(dir, "more"))).toBe(false);
    await expect(openAppendLog({ path: join(dir, `${longest}l`) })).rejects.toMatchObject(TOO_LONG);
  });
});
