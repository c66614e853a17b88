import { inspect } from "node:util";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { md4 } from "../src/hash/md4.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import { decodeKnownMet, scanKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import { KnownFileRecordView } from "../src/known-met/known-file-record-view.js";

const PART = 9_728_000;

function record(i: number, size = 1000 + i): KnownFileRecord {
  const parts = Math.floor(size / PART) === 0 ? 0 : Math.floor(size / PART) + 1;
  const partHashes = Array.from({ length: parts }, (_, k) => new Uint8Array(16).fill(k + i));
  return createKnownFileRecord(
    {
      name: `file ${i}.bin`,
      size,
      mtime: 1_700_000_000 + i,
      hash: parts > 1 ? md4(concatChunks(partHashes)) : new Uint8Array(16).fill(i + 1),
      partHashes,
      requests: i,
      accepted: 0,
      transferred: 0,
      lastShared: 1_700_000_000,
    },
    { flavor: "emule" },
  );
}

const fileOf = (records: readonly KnownFileRecord[], header: 0x0e | 0x0f | "auto" = "auto") =>
  concatChunks(encodeKnownMet({ header, records }));

describe("decoded records (made on first access)", () => {
  const source = Array.from({ length: 20 }, (_, i) => record(i));
  const bytes = fileOf(source);

  it("behave like an array of record views", () => {
    const { records } = decodeKnownMet(bytes);
    expect(Array.isArray(records)).toBe(true);
    expect(records).toHaveLength(20);
    expect(records[3]).toBeInstanceOf(KnownFileRecordView);
    expect(records[3]).toBe(records[3]);
    expect(records[3]?.name).toBe("file 3.bin");
    expect(records[20]).toBeUndefined();
    expect(3 in records).toBe(true);
    expect(20 in records).toBe(false);
    expect(records.map((r) => r.name)).toEqual(source.map((r) => r.name));
    expect([...records].map((r) => r.requests ?? 0)).toEqual(source.map((_, i) => i));
    expect(Object.keys(records)).toEqual(source.map((_, i) => String(i)));
    expect(records.findIndex((r) => r.name === "file 7.bin")).toBe(7);
    const shown = inspect(decodeKnownMet(bytes).records, { depth: 0 });
    expect(shown).not.toContain("empty");
    expect(shown.match(/KnownFileRecordView/g)).toHaveLength(20);
    expect(Buffer.from(records[19]?.bytes ?? []).equals(Buffer.from(source[19]?.bytes ?? []))).toBe(
      true,
    );
  });

  it("re-encode untouched byte for byte, and follow every change made to the list", () => {
    const decoded = decodeKnownMet(bytes);
    expect(Buffer.from(concatChunks(encodeKnownMet(decoded))).equals(Buffer.from(bytes))).toBe(
      true,
    );

    const records = decoded.records as KnownFileRecord[];
    const extra = record(100);
    records[2] = extra;
    delete records[4];
    expect(4 in records).toBe(false);
    expect(() => concatChunks(encodeKnownMet(decoded))).toThrow(/record has no bytes/);
    records.splice(4, 1);
    records.push(record(101));
    records.reverse();
    const expected = [...source];
    expected[2] = extra;
    expected.splice(4, 1);
    expected.push(record(101));
    expected.reverse();
    expect(records.map((r) => r.name)).toEqual(expected.map((r) => r.name));
    expect(
      Buffer.from(concatChunks(encodeKnownMet(decoded))).equals(Buffer.from(fileOf(expected))),
    ).toBe(true);

    records.length = 5;
    records.length = 8;
    expect(records[6]).toBeUndefined();
    records.length = 5;
    expect(records.map((r) => r.name)).toEqual(expected.slice(0, 5).map((r) => r.name));
  });

  it("keep header auto right without reading the records", () => {
    const large = fileOf([record(0), record(1, 5_000_000_000), record(2)]);
    expect(large[0]).toBe(0x0f);
    const decoded = decodeKnownMet(large);
    expect(concatChunks(encodeKnownMet({ header: "auto", records: decoded.records }))[0]).toBe(
      0x0f,
    );
    const small = decodeKnownMet(bytes);
    expect(concatChunks(encodeKnownMet({ header: "auto", records: small.records }))[0]).toBe(0x0e);
  });

  it("keep what was read before the damage when salvaging, and can be frozen", () => {
    const damaged = bytes.slice(0, bytes.length - 3);
    const { value, error } = decodeKnownMet(damaged, { salvage: true });
    expect(error?.code).toBe("ERR_CORRUPT");
    expect(value.records).toHaveLength(19);
    expect(value.records[18]?.name).toBe("file 18.bin");
    const frozen = Object.freeze(decodeKnownMet(bytes).records);
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(frozen[5]?.name).toBe("file 5.bin");
  });
});

describe("scanKnownMet (the replica's load)", () => {
  it("finds the records and size tags the lazy list views, and fails like decodeKnownMet", () => {
    const source = [record(1), record(2, 5_000_000_000), record(3)];
    const bytes = fileOf(source);
    const scan = scanKnownMet(bytes);
    expect(scan.header).toBe(0x0f);
    expect(scan.count).toBe(3);
    const { records } = decodeKnownMet(bytes);
    for (let i = 0; i < 3; i++) {
      const view = records[i] as KnownFileRecordView;
      const start = scan.starts[i] as number;
      const end = scan.starts[i + 1] as number;
      expect(Buffer.from(bytes.subarray(start, end)).equals(view.bytes)).toBe(true);
      expect(scan.sizes[i]).toBeGreaterThan(start);
    }
    expect(scan.starts[3]).toBe(bytes.length);
    const cut = bytes.subarray(0, bytes.length - 3);
    let scanError: unknown;
    let decodeError: unknown;
    try {
      scanKnownMet(cut);
    } catch (error) {
      scanError = error;
    }
    try {
      decodeKnownMet(cut);
    } catch (error) {
      decodeError = error;
    }
    expect(scanError).toMatchObject({ code: "ERR_CORRUPT" });
    expect((scanError as Error).message).toBe((decodeError as Error).message);
    expect(() => scanKnownMet("x" as unknown as Uint8Array)).toThrow(TypeError);
  });
});
