import { readFileSync } from "node:fs";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { base32Encode } from "../src/hash/base32.js";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import { sortKnownFileRecordsAmule } from "../src/known-met/sort-known-file-records.js";
import { toAmuleCanonicalRecord } from "../src/known-met/to-amule-canonical-record.js";
import { validateKnownMet } from "../src/known-met/validate-known-met.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import type { MetTag } from "../src/tags/met-tag.js";

const KNOWN = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/known.met", import.meta.url),
  ),
);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The smallest compact integer tag for a value, as WriteNewEd2kTag would shrink it. */
function compactInt(id: number, value: number): MetTag {
  if (value <= 0xff) return createMetTag({ id, compact: true, type: "uint8", value });
  if (value <= 0xffff) return createMetTag({ id, compact: true, type: "uint16", value });
  return createMetTag({ id, compact: true, type: "uint32", value });
}

function compactString(id: number, value: string): MetTag {
  const bytes = new TextEncoder().encode(value);
  return bytes.length >= 1 && bytes.length <= 16
    ? createMetTag({ id, compact: true, type: "str", value: bytes })
    : createMetTag({ id, compact: true, type: "string", value: bytes });
}

describe("toAmuleCanonicalRecord", () => {
  const records = decodeKnownMet(KNOWN).records;

  it("returns aMule's own records byte for byte", () => {
    for (const record of records) {
      expect(hex(toAmuleCanonicalRecord(record).bytes)).toBe(hex(record.bytes));
    }
  });

  it("turns compact, shrunk tags back into the canonical file aMule wrote (docs/met-format.md#interop-testing-against-amule experiment)", () => {
    const compact = records.map((r) =>
      assembleKnownFileRecord({
        date: r.date,
        hash: r.hash,
        partHashes: r.partHashes,
        tags: [
          compactString(1, r.name as string),
          compactInt(2, r.sizeNumber as number),
          compactInt(0x50, 0),
          compactInt(0x54, 0),
          compactInt(0x51, 0),
          compactInt(0x52, 0),
          compactInt(0x19, 5),
          compactString(0x27, base32Encode(r.aichHash as Uint8Array)),
        ],
      }),
    );
    expect(compact.some((r) => r.tags.some((t) => t.typeName === "str"))).toBe(true);
    const rewritten = sortKnownFileRecordsAmule(compact.map(toAmuleCanonicalRecord));
    expect(hex(concatChunks(encodeKnownMet({ header: "auto", records: rewritten })))).toBe(
      hex(KNOWN),
    );
  });

  it("rewrites an eMule-style record the way aMule did in the SPEC's experiment", () => {
    const emule = createKnownFileRecord(
      {
        name: "café.txt",
        size: 4242,
        mtime: 1600086400,
        hash: new Uint8Array(16).fill(1),
        partHashes: [],
        aichHash: new Uint8Array(20).fill(2),
        lastShared: 1_700_000_000,
        requests: 7,
        accepted: 3,
        transferred: 5_000_000_123,
        priority: 3,
        flags: 2,
        extraTags: [createMetTag({ name: "Artist", type: "string", value: "Me" })],
      },
      { flavor: "emule" },
    );
    const withUnknowns = assembleKnownFileRecord({
      date: emule.date,
      hash: emule.hash,
      partHashes: emule.partHashes,
      tags: [
        ...emule.tags,
        createMetTag({ id: 0x60, type: "uint8", value: 9 }),
        createMetTag({ id: 0x61, type: "uint64", value: 2n ** 40n }),
        createMetTag({ id: 0x62, type: "float32", value: 1.5 }),
        createMetTag({ id: 0x63, type: "hash16", value: new Uint8Array(16) }),
        createMetTag({ id: 0x3a, type: "uint32", value: 0 }),
        createMetTag({ id: 0x16, type: "uint32", value: 1 }),
      ],
    });
    expect(withUnknowns.tags[0]?.hasBom).toBe(true);
    const amule = toAmuleCanonicalRecord(withUnknowns);
    const names = amule.tags.map((t) => `${t.name ?? `0x${t.id.toString(16)}`}:${t.typeName}`);
    expect(names).toEqual([
      "0x1:string",
      "0x1:string",
      "0x2:uint32",
      "0x50:uint32",
      "0x54:uint32",
      "0x51:uint32",
      "0x52:uint32",
      "0x19:uint32",
      "0x27:string",
      "0x34:uint32",
      "0x22:uint32",
      "Artist:string",
      "0x60:uint32",
      "0x61:uint64",
      "0x3a:uint32",
    ]);
    expect(amule.tags.some((t) => t.hasBom)).toBe(false);
    expect(amule.names).toEqual(["café.txt", "cafÃ©.txt"]);
    expect(amule.transferred).toBe(5_000_000_123n);
    expect([amule.requests, amule.accepted, amule.priority]).toEqual([7, 3, 3]);
    expect(amule.lastShared).toBe(1_700_000_000);
    expect(toAmuleCanonicalRecord(amule).bytes).toEqual(amule.bytes);
  });

  it("sums duplicate transfer tags, maps unknown priorities to normal and keeps the file-system name", () => {
    const base = { date: 1, hash: new Uint8Array(16), partHashes: [] as Uint8Array[] };
    const record = assembleKnownFileRecord({
      ...base,
      tags: [
        createMetTag({ id: 1, type: "string", value: "x" }),
        createMetTag({ id: 1, type: "string", value: "caf\u00c3\u00a9" }),
        createMetTag({ id: 2, type: "uint32", value: 1 }),
        createMetTag({ id: 2, type: "uint32", value: 10 }),
        createMetTag({ id: 0x50, type: "uint32", value: 1 }),
        createMetTag({ id: 0x50, type: "uint32", value: 2 }),
        createMetTag({ id: 0x19, type: "uint32", value: 9 }),
      ],
    });
    const amule = toAmuleCanonicalRecord(record);
    expect(amule.names).toEqual(["café", "caf\u00c3\u00a9"]);
    expect(amule.size).toBe(10n);
    expect(amule.transferred).toBe(3n);
    expect(amule.priority).toBe(1);
    expect(() =>
      toAmuleCanonicalRecord(
        assembleKnownFileRecord({
          ...base,
          tags: [createMetTag({ id: 2, type: "uint32", value: 1 })],
        }),
      ),
    ).toThrow(TypeError);
    expect(() =>
      toAmuleCanonicalRecord(
        assembleKnownFileRecord({
          ...base,
          tags: [createMetTag({ id: 1, type: "string", value: "a" })],
        }),
      ),
    ).toThrow(TypeError);
    const empty = assembleKnownFileRecord({
      ...base,
      tags: [
        createMetTag({ id: 1, type: "string", value: "a" }),
        createMetTag({ id: 2, type: "uint32", value: 0 }),
      ],
    });
    expect(validateKnownMet({ header: "auto", records: [empty] }).problems).toMatchObject([
      { code: "zero-size", effect: "record-dropped" },
    ]);
    expect(() => toAmuleCanonicalRecord(empty)).toThrow(RangeError);
  });
});

describe("toAmuleCanonicalRecord: a handled tag of the wrong type", () => {
  const good = [
    createMetTag({ id: 1, type: "string", value: "a.bin" }),
    createMetTag({ id: 2, type: "uint32", value: 10 }),
  ];
  const base = { date: 1, hash: new Uint8Array(16), partHashes: [] as Uint8Array[] };
  it.each([
    ["FT_FILENAME as UINT32", createMetTag({ id: 0x01, type: "uint32", value: 7 })],
    ["FT_FILESIZE as STRING", createMetTag({ id: 0x02, type: "string", value: "10" })],
    ["FT_ATTRANSFERRED as FLOAT32", createMetTag({ id: 0x50, type: "float32", value: 1.5 })],
    ["FT_ULPRIORITY as STRING", createMetTag({ id: 0x19, type: "string", value: "5" })],
    [
      "FT_AICH_HASH as HASH16",
      createMetTag({ id: 0x27, type: "hash16", value: new Uint8Array(16) }),
    ],
  ])(
    "%s: aMule stops loading there, so no rewrite is predicted (validateKnownMet agrees)",
    (_, bad) => {
      const record = assembleKnownFileRecord({ ...base, tags: [...good, bad] });
      expect(() => toAmuleCanonicalRecord(record)).toThrow(TypeError);
      expect(() => toAmuleCanonicalRecord(record)).toThrow(
        /stops loading known\.met at this record/,
      );
      expect(
        validateKnownMet({ header: 0x0e, records: [record] }).problems.map((p) => p.effect),
      ).toContain("load-aborted");
    },
  );

  it("the same tags with their types are rewritten", () => {
    const record = assembleKnownFileRecord({
      ...base,
      tags: [...good, createMetTag({ id: 0x19, type: "uint8", value: 3 })],
    });
    expect(toAmuleCanonicalRecord(record).priority).toBe(3);
  });
});

describe("size accessor", () => {
  it("uses the last FT_FILESIZE, as both clients do", () => {
    const record: KnownFileRecord = assembleKnownFileRecord({
      date: 0,
      hash: new Uint8Array(16),
      partHashes: [],
      tags: [
        createMetTag({ id: 2, type: "uint32", value: 1 }),
        createMetTag({ id: 2, compact: true, type: "uint64", value: 4_400_000_000n }),
      ],
    });
    expect(record.size).toBe(4_400_000_000n);
    expect(
      decodeKnownMet(concatChunks(encodeKnownMet({ header: "auto", records: [record] }))).header,
    ).toBe(0x0f);
    expect(
      decodeKnownMet(concatChunks(encodeKnownMet({ header: 0x0e, records: [record] }))).records[0]
        ?.size,
    ).toBe(4_400_000_000n);
  });
});
