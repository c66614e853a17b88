import { isPersistenceError } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { guardAllocations } from "@snapwrite/testkit/checks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AppendLogProblem,
  decodeSegmentHeader,
  encodeRecordHeader,
  encodeSegmentHeader,
  openAppendLog,
  readAppendLog,
  replayJournal,
  scanSegment,
} from "../src/index.js";

const SALT = 0x1234abcd;
const MAX_RECORD = 4096;

function segment(payloads: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [
    encodeSegmentHeader({ salt: SALT, firstSeq: 7, createdAt: 1, prevValidBytes: 0 }),
  ];
  payloads.forEach((p, i) => {
    parts.push(encodeRecordHeader(SALT, { seq: 7 + i }, p), p);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A valid segment, then damage: bit flips, overwritten bytes, a cut, garbage or zeros appended. */
const damagedSegment = fc
  .record({
    payloads: fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 6 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 3 }),
    overwrite: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
    cut: fc.option(fc.nat()),
    tail: fc.option(fc.uint8Array({ maxLength: 48 })),
  })
  .map(({ payloads, flips, overwrite, cut, tail }) => {
    let bytes = segment(payloads);
    for (const [at, bit] of flips) {
      const i = at % bytes.length;
      bytes[i] = (bytes[i] as number) ^ (1 << bit);
    }
    if (overwrite !== null) {
      const at = overwrite[0] % bytes.length;
      bytes.set(overwrite[1].subarray(0, bytes.length - at), at);
    }
    if (cut !== null) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    if (tail !== null) {
      const grown = new Uint8Array(bytes.length + tail.length);
      grown.set(bytes);
      grown.set(tail, bytes.length);
      bytes = grown;
    }
    return { payloads, bytes };
  });

function onlyCorrupt(error: unknown): void {
  if (!isPersistenceError(error, "ERR_CORRUPT")) throw error;
  expect(typeof error.details?.offset).toBe("number");
  expect(typeof error.details?.reason).toBe("string");
}

describe("decoder fuzzing", () => {
  it("decodeSegmentHeader: 40,000 random inputs give a header or ERR_CORRUPT with offset and reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeSegmentHeader(bytes);
        } catch (error) {
          onlyCorrupt(error);
        }
      }),
      { numRuns: 40_000, seed: 11 },
    );
  });

  it("scanSegment: 60,000 damaged segments never throw, never allocate more than a record, keep only true records", () => {
    fc.assert(
      fc.property(damagedSegment, ({ payloads, bytes }) => {
        let header: ReturnType<typeof decodeSegmentHeader>;
        try {
          header = decodeSegmentHeader(bytes);
        } catch (error) {
          onlyCorrupt(error);
          return;
        }
        const report = guardAllocations(MAX_RECORD, () =>
          scanSegment(bytes, header, bytes.length, MAX_RECORD, true),
        );
        expect(report.threw).toBe(false);
        expect(report.refused).toBeUndefined();
        const scan = report.result;
        if (scan === undefined || header.salt !== SALT || header.firstSeq !== 7) return;
        for (const record of scan.records) {
          const original = payloads[record.seq - 7];
          // With a 32-bit checksum a forged record is possible in principle; none appears at these sizes.
          expect(original).toBeDefined();
          expect(Buffer.from(record.payload).equals(Buffer.from(original as Uint8Array))).toBe(
            true,
          );
        }
      }),
      { numRuns: 60_000, seed: 12 },
    );
  });

  it("replayJournal: 2,000 damaged files on disk in every recovery mode reject only with ERR_CORRUPT", async () => {
    await fc.assert(
      fc.asyncProperty(
        damagedSegment,
        fc.constantFrom("tolerate-tail", "point-in-time", "absolute", "salvage" as const),
        async ({ bytes }, recovery) => {
          const fs = createMemoryFs({ "/j/db.wal.0000000000000007-0000": bytes });
          try {
            await replayJournal({
              fs,
              dir: "/j",
              name: "db",
              recovery,
              maxRecordBytes: MAX_RECORD,
            });
          } catch (error) {
            onlyCorrupt(error);
          }
        },
      ),
      { numRuns: 2_000, seed: 13 },
    );
  });

  it("readAppendLog: 3,000 damaged logs (jsonl and framed) yield records and problems, never throw", async () => {
    const seedFs = createMemoryFs({ "/l": null });
    for (const [path, format] of [
      ["/l/a.jsonl", "jsonl"],
      ["/l/b.bin", "framed"],
    ] as const) {
      const log = await openAppendLog({ fs: seedFs, path, format, lock: false });
      for (let i = 0; i < 5; i++)
        await log.append(
          format === "jsonl" ? { i, s: "v".repeat(i) } : new Uint8Array(i + 1).fill(i),
        );
      await log.close();
    }
    const originals = [await seedFs.readFile("/l/a.jsonl"), await seedFs.readFile("/l/b.bin")];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat()),
        fc.option(fc.uint8Array({ maxLength: 40 })),
        async (which, edits, cut, tail) => {
          let bytes = new Uint8Array(originals[which] as Uint8Array);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          if (cut !== null) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          if (tail !== null) bytes = new Uint8Array([...bytes, ...tail]);
          const path = which === 0 ? "/l/a.jsonl" : "/l/b.bin";
          const fs = createMemoryFs({ [path]: bytes });
          const seqs: number[] = [];
          const problems: AppendLogProblem[] = [];
          for await (const e of readAppendLog({ fs, path, maxRecordBytes: MAX_RECORD })) {
            if ("problem" in e) problems.push(e);
            else seqs.push(e.seq);
          }
          for (const p of problems) {
            expect(p.offset).toBeGreaterThanOrEqual(0);
            expect(p.offset).toBeLessThanOrEqual(bytes.length);
          }
        },
      ),
      { numRuns: 3_000, seed: 14 },
    );
  });
});
