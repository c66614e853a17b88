import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../src/crc32c.js";
import {
  decodeSegmentHeader,
  encodeRecordHeader,
  encodeRecordInto,
  encodeSegmentHeader,
  readRecordAt,
} from "../src/segment-format.js";

describe("segment header flags", () => {
  it("round-trips createdAt and prevComplete", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.boolean(),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (createdAt, prevComplete, firstSeq) => {
          const header = { salt: 7, firstSeq, createdAt, prevValidBytes: 99, prevComplete };
          expect(decodeSegmentHeader(encodeSegmentHeader(header))).toEqual(header);
        },
      ),
    );
  });

  it("reads a header of a writer before the flags (createdAt in all 64 bits) as not flagged", () => {
    const bytes = encodeSegmentHeader({ salt: 1, firstSeq: 5, createdAt: 0, prevValidBytes: 40 });
    const view = new DataView(bytes.buffer);
    const createdAt = 1_796_000_000_000; // 2026, in ms: its top 16 bits are zero
    view.setUint32(24, createdAt % 2 ** 32, true);
    view.setUint32(28, Math.floor(createdAt / 2 ** 32), true);
    view.setUint32(36, crc32c(bytes, 0, 36), true);
    expect(decodeSegmentHeader(bytes)).toMatchObject({ createdAt, prevComplete: false });
  });
});

describe("encodeRecordInto", () => {
  it("writes the bytes of encodeRecordHeader followed by the payload, at any offset", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 64 }),
        (payload, seq, codecId, salt, at) => {
          const target = new Uint8Array(at + 20 + payload.byteLength + 7).fill(0xaa);
          const view = new DataView(target.buffer);
          const end = encodeRecordInto(target, view, at, salt, seq, codecId, payload);
          expect(end).toBe(at + 20 + payload.byteLength);
          const header = encodeRecordHeader(salt, { seq, codecId }, payload);
          expect(target.subarray(at, at + 20)).toEqual(header);
          expect(target.subarray(at + 20, end)).toEqual(payload);
          expect(target.subarray(0, at).every((b) => b === 0xaa)).toBe(true);
          expect(target.subarray(end).every((b) => b === 0xaa)).toBe(true);
          const read = readRecordAt(target, at, end, salt, 1024);
          expect(read.ok && read.record.seq === seq && read.record.codecId === codecId).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
