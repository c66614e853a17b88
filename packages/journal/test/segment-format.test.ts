import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRecordHeader, encodeRecordInto, readRecordAt } from "../src/segment-format.js";

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
