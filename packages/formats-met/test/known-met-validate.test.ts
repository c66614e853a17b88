import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { md4 } from "../src/hash/md4.js";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import type { KnownMet } from "../src/known-met/known-met.js";
import { validateKnownMet } from "../src/known-met/validate-known-met.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import type { MetTag } from "../src/tags/met-tag.js";

const KNOWN = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/known.met", import.meta.url),
  ),
);

const name = createMetTag({ id: 1, type: "string", value: "f.bin" });
const size = (value: number) => createMetTag({ id: 2, type: "uint32", value });
const aich = createMetTag({ id: 0x27, type: "string", value: "J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR" });

function record(tags: MetTag[], parts: Uint8Array[] = [], hash?: Uint8Array): KnownFileRecord {
  const partHashes = parts;
  const joined = new Uint8Array(Buffer.concat(parts));
  return assembleKnownFileRecord({
    date: 1,
    hash: hash ?? (parts.length > 1 ? md4(joined) : new Uint8Array(16).fill(7)),
    partHashes,
    tags,
  });
}

const codes = (value: KnownMet) =>
  validateKnownMet(value).problems.map((p) => `${p.record}:${p.code}:${p.effect}`);

describe("validateKnownMet", () => {
  it("accepts the real aMule file", () => {
    expect(validateKnownMet(decodeKnownMet(KNOWN))).toEqual({ ok: true, problems: [] });
  });

  it("accepts a correct multi-part record (P = n + 1, MD4 of the part hashes)", () => {
    const parts = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    expect(
      codes({ header: 0x0e, records: [record([name, size(9_728_000), aich], parts)] }),
    ).toEqual([]);
  });

  it("reports a part-hash count that does not follow the size", () => {
    const parts = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    expect(codes({ header: 0x0e, records: [record([name, size(9_727_999)], parts)] })).toEqual([
      "0:part-hash-count:record-dropped",
    ]);
    expect(codes({ header: 0x0e, records: [record([name, size(19_456_000)], parts)] })).toEqual([
      "0:part-hash-count:record-dropped",
    ]);
    expect(codes({ header: 0x0e, records: [record([name, size(9_728_000)])] })).toEqual([
      "0:part-hash-count:record-dropped",
    ]);
  });

  it("reports part hashes whose MD4 is not the file hash", () => {
    const parts = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
    const r = record([name, size(9_728_000)], parts, new Uint8Array(16));
    expect(codes({ header: 0x0e, records: [r] })).toEqual(["0:part-hash-mismatch:record-dropped"]);
  });

  it("reports an FT_AICH_HASH that is not a string (aMule stops loading) and invalid base32 (aMule aborts)", () => {
    const uint = createMetTag({ id: 0x27, type: "uint32", value: 1 });
    const junk = createMetTag({ id: 0x27, type: "string", value: "not base32" });
    const value: KnownMet = {
      header: 0x0e,
      records: [
        record([name, size(5), aich]),
        record([name, size(5), uint]),
        record([name, size(5), junk]),
      ],
    };
    expect(codes(value)).toEqual([
      "1:aich-tag-type:load-aborted",
      "2:aich-hash-invalid:client-crashed",
    ]);
  });

  it("reads an FT_AICH_HASH stored as STR1..STR16 as a string, as aMule's tag reader does", () => {
    const text = new TextEncoder().encode("ABCDEFGHIJKLMNOP");
    const str16 = createMetTag({ id: 0x27, type: "str", value: text });
    const str1 = createMetTag({ id: 0x27, compact: true, type: "str", value: text.subarray(0, 1) });
    const asString = createMetTag({ id: 0x27, type: "string", value: text });
    expect(str16.type).toBe(0x20);
    expect(str1.type).toBe(0x11);
    const value: KnownMet = {
      header: 0x0e,
      records: [
        record([name, size(5), str16]),
        record([name, size(5), str1]),
        record([name, size(5), asString]),
      ],
    };
    const problems = validateKnownMet(value).problems;
    expect(problems.map((p) => `${p.code}:${p.effect}`)).toEqual([
      "aich-hash-invalid:client-crashed",
      "aich-hash-invalid:client-crashed",
      "aich-hash-invalid:client-crashed",
    ]);
  });

  it("reports missing or zero sizes, missing names and type mismatches on handled tags", () => {
    const value: KnownMet = {
      header: 0x0e,
      records: [
        record([name]),
        record([size(5)]),
        record([name, size(0)]),
        record([name, size(5), createMetTag({ id: 0x19, type: "string", value: "5" })]),
        record([createMetTag({ id: 1, type: "uint32", value: 1 }), size(5)]),
      ],
    };
    expect(codes(value)).toEqual([
      "0:missing-size:record-dropped",
      "1:missing-name:record-dropped",
      "2:zero-size:record-dropped",
      "3:tag-type-mismatch:load-aborted",
      "4:tag-type-mismatch:load-aborted",
      "4:missing-name:record-dropped",
    ]);
  });

  it("reports a bad header and never throws, even for broken record objects", () => {
    const result = validateKnownMet({ header: 0x10 as 0x0e, records: [{} as KnownFileRecord] });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(["bad-header", "bad-record"]);
    expect(validateKnownMet(undefined as unknown as KnownMet).ok).toBe(false);
    for (const p of result.problems) expect(typeof p.message).toBe("string");
  });
});
