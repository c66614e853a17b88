import { isPersistenceError } from "@snapwrite/core";
import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createJournalFollower,
  type FollowResult,
  listSegments,
  openJournal,
  SEGMENT_HEADER_BYTES,
} from "../src/index.js";
import { dec, enc } from "./helpers.js";

const DIR = "/j";

/**
 * Sixty records over segments of 2 KiB (two with small payloads, six with wide ones); `wide`
 * payloads are ≥ 64 B (the native CRC path). Written without preallocation, so that each segment
 * ends at its last record: the damage below is placed relative to the files' ends.
 */
async function sixtyRecords(wide: boolean) {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({
    fs,
    dir: DIR,
    name: "db",
    maxSegmentBytes: 2048,
    preallocateBytes: 0,
  });
  const texts: string[] = [];
  for (let i = 0; i < 60; i++) {
    const text = wide ? `payload-${i}-${"p".repeat(64 + i * 3)}` : `p-${i}-${"-".repeat(i % 20)}`;
    texts.push(text);
    await journal.append(enc(text));
  }
  await journal.close();
  const files = await listSegments(fs, DIR, "db");
  return { fs, texts, files };
}

/** Polls until a poll rejects or returns nothing new; every returned record must be an original. */
async function pollToRest(fs: MemoryFs, texts: string[], maxRecordBytes?: number) {
  const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0, maxRecordBytes });
  const got: string[] = [];
  for (let round = 0; round < 8; round++) {
    let result: FollowResult;
    try {
      result = await follower.poll();
    } catch (error) {
      return { got, error, follower };
    }
    for (const r of result.records) got.push(dec(r.payload));
    if (result.records.length === 0) break;
  }
  expect(got).toEqual(texts.slice(0, got.length));
  return { got, error: undefined, follower };
}

function expectCorrupt(error: unknown): void {
  if (!isPersistenceError(error, "ERR_CORRUPT")) throw error;
  expect(typeof error.details?.offset).toBe("number");
  expect(typeof error.details?.reason).toBe("string");
}

describe("a follower on a damaged journal", () => {
  for (const wide of [true, false]) {
    it(`a non-last segment cut short (${wide ? "≥" : "<"} 64 B payloads): the records before the cut, then ERR_CORRUPT reason chain on every later poll`, async () => {
      const segments = (await sixtyRecords(wide)).files.length;
      expect(segments).toBeGreaterThanOrEqual(2);
      for (let segment = 0; segment < Math.min(3, segments - 1); segment++) {
        for (const cut of [1, 5, 25, 100]) {
          const { fs, texts, files } = await sixtyRecords(wide);
          const path = `${DIR}/${files[segment]}`;
          const bytes = fs.vol.readFileSync(path) as Buffer;
          fs.vol.writeFileSync(path, bytes.subarray(0, bytes.length - cut));
          const { got, error, follower } = await pollToRest(fs, texts);
          expect(got).toEqual(texts.slice(0, got.length));
          expect(error).toMatchObject({
            code: "ERR_CORRUPT",
            details: { reason: "chain", offset: bytes.length - cut, file: files[segment] },
          });
          // No silent stall: the damage is reported again, and nothing is skipped.
          await expect(follower.poll()).rejects.toMatchObject({ code: "ERR_CORRUPT" });
          expect(follower.seq).toBe(got.length);
        }
      }
    });
  }

  it("a flipped length in the active segment: the records before it, then ERR_CORRUPT reason length", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    // No preallocated zeros: the flipped length then points past the end of the file.
    const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0 });
    const receipts = [];
    for (let i = 1; i <= 20; i++) receipts.push(await journal.append(enc(`rec-${i}`)));
    await journal.close();
    const tenth = receipts[9] as (typeof receipts)[number];
    const path = `${DIR}/${tenth.file.split("/").at(-1)}`;
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Buffer);
    bytes[tenth.offset + 5] = (bytes[tenth.offset + 5] as number) ^ 0x10;
    fs.vol.writeFileSync(path, bytes);
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    expect((await follower.poll()).records.map((r) => r.seq)).toEqual(
      Array.from({ length: 9 }, (_, i) => i + 1),
    );
    await expect(follower.poll()).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "length", offset: tenth.offset, seq: 10 },
    });
  });

  it("a damaged header of the next segment is ERR_CORRUPT; one still being created is waited for", async () => {
    const { fs, texts, files } = await sixtyRecords(false);
    const second = `${DIR}/${files[1]}`;
    const bytes = new Uint8Array(fs.vol.readFileSync(second) as Buffer);
    const follower = createJournalFollower({ fs, dir: DIR, name: "db", afterSeq: 0 });
    fs.vol.writeFileSync(second, bytes.subarray(0, SEGMENT_HEADER_BYTES - 1));
    for (const f of files.slice(2)) fs.vol.unlinkSync(`${DIR}/${f}`);
    const first = await follower.poll();
    expect(first.records.map((r) => dec(r.payload))).toEqual(texts.slice(0, first.records.length));
    expect((await follower.poll()).records).toEqual([]);
    const flipped = new Uint8Array(bytes);
    flipped[20] = (flipped[20] as number) ^ 1;
    fs.vol.writeFileSync(second, flipped);
    await expect(follower.poll()).rejects.toMatchObject({
      code: "ERR_CORRUPT",
      details: { reason: "header", file: files[1] },
    });
    fs.vol.writeFileSync(second, bytes);
    const resumed = await follower.poll();
    expect(resumed.records[0]?.seq).toBe(first.seq + 1);
  });

  it("fuzz: 3,000 journals with a flipped, overwritten or cut segment give only clean reads of original records or ERR_CORRUPT", async () => {
    const bases = [await sixtyRecords(false), await sixtyRecords(true)];
    const originals = bases.map(({ fs, files }) =>
      files.map((f) => new Uint8Array(fs.vol.readFileSync(`${DIR}/${f}`) as Buffer)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.option(fc.nat(), { freq: 3 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { freq: 4 }),
        async (which, segmentIndex, edits, cut, maxRecordKiB) => {
          const base = bases[which] as (typeof bases)[number];
          const files = originals[which] as Uint8Array[];
          const target = segmentIndex % files.length;
          const entries: Record<string, Uint8Array | null> = { [DIR]: null };
          files.forEach((original, i) => {
            let bytes = new Uint8Array(original);
            if (i === target) {
              for (const [at, mask] of edits) {
                const k = at % bytes.length;
                bytes[k] = (bytes[k] as number) ^ mask;
              }
              if (cut !== null) bytes = bytes.subarray(0, cut % (bytes.length + 1));
            }
            entries[`${DIR}/${base.files[i]}`] = bytes;
          });
          const fs = createMemoryFs(entries);
          const maxRecordBytes = maxRecordKiB === null ? undefined : maxRecordKiB * 16;
          const { got, error } = await pollToRest(fs, base.texts, maxRecordBytes);
          if (error !== undefined) expectCorrupt(error);
          // Stopping quietly short of the end is waiting for an unfinished append: only ever at
          // the end of the last segment.
          else if (got.length < base.texts.length) expect(target).toBe(files.length - 1);
        },
      ),
      { numRuns: 3_000, seed: 31 },
    );
  });
});
