import { readFileSync } from "node:fs";
import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { base32Encode } from "../src/hash/base32.js";
import { md4 } from "../src/hash/md4.js";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { compactKnownFileRecords } from "../src/known-met/compact-known-file-records.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import { createKnownMetCodec, knownMetCodec } from "../src/known-met/known-met-codec.js";
import { sortKnownFileRecordsAmule } from "../src/known-met/sort-known-file-records.js";
import { validateKnownMet } from "../src/known-met/validate-known-met.js";
import { createMetTag } from "../src/tags/create-met-tag.js";

const SET1 = new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/", import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, SET1)));
const KNOWN = fixture("known.met");
const MANIFEST = readFileSync(new URL("manifest.tsv", SET1), "utf8")
  .trim()
  .split("\n")
  .map((line) => {
    const [name, size, mtime] = line.split("\t");
    return { name: name as string, size: Number(size), mtime: Number(mtime) };
  });

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));
function corrupt(fn: () => unknown): PersistenceError {
  try {
    fn();
  } catch (error) {
    expect(isPersistenceError(error, "ERR_CORRUPT"), String(error)).toBe(true);
    return error as PersistenceError;
  }
  throw new Error("expected ERR_CORRUPT");
}

describe("known.met fixture (aMule 2.3.3 set1)", () => {
  it("decodes and re-encodes byte for byte, in exactly full chunks", () => {
    const value = knownMetCodec.decode(KNOWN);
    expect(value.header).toBe(0x0e);
    expect(value.records).toHaveLength(6);
    expect(hex(concatChunks(knownMetCodec.encode(value)))).toBe(hex(KNOWN));
    const chunks = [...createKnownMetCodec({ chunkSize: 64 }).encode(value)];
    expect(chunks.slice(0, -1).every((c) => c.length === 64)).toBe(true);
    expect(hex(concatChunks(chunks))).toBe(hex(KNOWN));
  });

  it("exposes the manifest's names, sizes and dates and aMule's default stats", () => {
    const { records } = decodeKnownMet(KNOWN);
    for (const row of MANIFEST) {
      const record = records.find((r) => r.name === row.name) as KnownFileRecord;
      expect(record, row.name).toBeDefined();
      expect(record.size).toBe(BigInt(row.size));
      expect(record.sizeNumber).toBe(row.size);
      expect(record.date).toBe(row.mtime);
      expect(record.priority).toBe(5);
      expect(record.requests).toBe(0);
      expect(record.accepted).toBe(0);
      expect(record.transferred).toBe(0n);
      expect(record.aichHash).toHaveLength(20);
      expect(record.tagCount).toBe(9);
      expect(record.names[0]).toBe(row.name);
    }
    const tiny = records.find((r) => r.name === "tiny.txt") as KnownFileRecord;
    expect(hex(tiny.hash)).toBe("b5e21f4235f8e6ce66ed091242f1d117");
    expect(base32Encode(tiny.aichHash as Uint8Array)).toBe("J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR");
    const onePart = records.find((r) => r.name === "one-part-9728000.bin") as KnownFileRecord;
    expect(onePart.partHashCount).toBe(2);
    expect(hex(onePart.partHashes.subarray(16))).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
    const cafe = records.find((r) => r.name?.startsWith("caf")) as KnownFileRecord;
    expect(hex(cafe.tags[1]?.textBytes as Uint8Array).startsWith("636166c383c2a9")).toBe(true);
  });

  it("keeps views into the input and never modifies it", () => {
    const input = KNOWN.slice();
    const before = hex(input);
    const { records } = decodeKnownMet(input);
    const first = records[0] as KnownFileRecord;
    expect(first.hash.buffer).toBe(input.buffer);
    expect(first.tags[0]?.raw.buffer).toBe(input.buffer);
    [...knownMetCodec.encode({ header: 0x0e, records })];
    expect(hex(input)).toBe(before);
  });

  it("createKnownFileRecord (amule) reproduces every fixture record and the whole file", () => {
    const decoded = decodeKnownMet(KNOWN).records;
    const built = MANIFEST.map((row) => {
      const original = decoded.find((r) => r.name === row.name) as KnownFileRecord;
      const record = createKnownFileRecord(
        {
          name: row.name,
          size: row.size,
          mtime: row.mtime,
          hash: original.hash,
          partHashes: original.partHashes,
          aichHash: original.aichHash,
        },
        { flavor: "amule" },
      );
      expect(hex(record.bytes), row.name).toBe(hex(original.bytes));
      return record;
    });
    const bytes = concatChunks(
      encodeKnownMet({ header: "auto", records: sortKnownFileRecordsAmule(built) }),
    );
    expect(hex(bytes)).toBe(hex(KNOWN));
  });
});

describe("createKnownFileRecord", () => {
  const hash = fromHex("b5e21f4235f8e6ce66ed091242f1d117");
  const aich = fromHex(`4efdc323${"00".repeat(16)}`);

  it("amule: large files get UINT64 sizes, stats split into low/high, Kad times when set", () => {
    const size = 4_400_000_000;
    const parts = Array.from({ length: 453 }, (_, i) => new Uint8Array(16).fill(i & 0xff));
    const record = createKnownFileRecord(
      {
        name: "big.bin",
        size: BigInt(size),
        mtime: 1,
        hash: md4(concatChunks(parts)),
        partHashes: parts,
        transferred: 5_000_000_123n,
        requests: 7,
        accepted: 3,
        priority: 3,
        kadLastPublishSrc: 10,
        kadLastPublishNotes: 11,
        extraTags: [
          createMetTag({ id: 0x34, compact: true, type: "uint16", value: 9 }),
          createMetTag({ name: "Artist", type: "string", value: "é", bom: true }),
          createMetTag({ id: 0x60, type: "uint64", value: 1n }),
          createMetTag({ id: 0x61, type: "float32", value: 1 }),
          createMetTag({ id: 0x62, type: "str", value: "ab" }),
        ],
      },
      { flavor: "amule" },
    );
    expect(record.partHashCount).toBe(453);
    const tags = record.tags.map((t) => hex(t.raw));
    expect(tags).toEqual([
      `020100010700${hex(Buffer.from("big.bin"))}`,
      `020100010700${hex(Buffer.from("big.bin"))}`,
      "0b010002" + "00ac420601000000",
      "03010050" + "7bf2052a",
      "03010054" + "01000000",
      "03010051" + "07000000",
      "03010052" + "03000000",
      "03010019" + "03000000",
      "030100210a000000",
      "030100260b000000",
      "0301003409000000",
      "020600417274697374" + "0200c3a9",
      "0b0100600100000000000000",
      "0201006202006162",
    ]);
    expect(record.transferred).toBe(5_000_000_123n);
    expect(record.size).toBe(4_400_000_000n);
    expect(concatChunks(encodeKnownMet({ header: "auto", records: [record] }))[0]).toBe(0x0f);
  });

  it("amule: the universal name is the Latin-1-as-UTF-8 form of the file name bytes", () => {
    const record = createKnownFileRecord(
      { name: "é", size: 1, mtime: 0, hash, partHashes: [], fileNameBytes: Uint8Array.of(0xe9) },
      { flavor: "amule" },
    );
    expect(hex(record.tags[0]?.textBytes as Uint8Array)).toBe("c3a9");
    expect(hex(record.tags[1]?.textBytes as Uint8Array)).toBe("c3a9");
    const utf8Name = createKnownFileRecord(
      { name: "é", size: 1, mtime: 0, hash, partHashes: [] },
      { flavor: "amule" },
    );
    expect(hex(utf8Name.tags[1]?.textBytes as Uint8Array)).toBe("c383c2a9");
  });

  it("emule: ASCII names plain, non-ASCII names with a counted BOM, zero stats omitted, LASTSHARED always", () => {
    const ascii = createKnownFileRecord(
      {
        name: "tiny.txt",
        size: 13,
        mtime: 1600259200,
        hash,
        partHashes: [],
        aichHash: aich,
        lastShared: 1700000000,
      },
      { flavor: "emule" },
    );
    expect(ascii.tags.map((t) => hex(t.raw))).toEqual([
      `020100010800${hex(Buffer.from("tiny.txt"))}`,
      "030100020d000000",
      `020100272000${hex(Buffer.from(base32Encode(aich)))}`,
      "03010034" + "00f15365",
      `0701003516000000${hex(aich)}0000`,
      "0301001905000000",
    ]);
    const uni = createKnownFileRecord(
      {
        name: "ü",
        size: 13,
        mtime: 0,
        hash,
        partHashes: [],
        lastShared: 1,
        transferred: 2n ** 32n + 5n,
        requests: 2,
        accepted: 1,
        priority: 2,
        kadLastPublishSrc: 3,
        kadLastPublishNotes: 4,
        flags: 2,
        extraTags: [
          createMetTag({ id: 0xd0, type: "string", value: "Ä" }),
          createMetTag({ id: 0xd3, compact: true, type: "uint8", value: 60 }),
          createMetTag({ id: 0x60, type: "uint64", value: 1n }),
          createMetTag({ id: 0x61, type: "blob", value: Uint8Array.of(1) }),
        ],
      },
      { flavor: "emule" },
    );
    expect(uni.tags.map((t) => hex(t.raw))).toEqual([
      "0201000105" + "00efbbbfc3bc",
      "030100020d000000",
      "0301003401000000",
      "0301005005000000",
      "0301005401000000",
      "0301005102000000",
      "0301005201000000",
      "0301001902000000",
      "0301002103000000",
      "0301002604000000",
      "0301002202000000",
      "020100d00500efbbbfc384",
      "030100d33c000000",
    ]);
    expect(uni.name).toBe("ü");
    expect(uni.media).toEqual({ artist: "Ä", length: 60 });
  });

  it("emule: a partially purged record keeps only name, size, AICH, last shared and stats", () => {
    const record = createKnownFileRecord(
      {
        name: "a",
        size: 13,
        mtime: 0,
        hash,
        partHashes: [],
        aichHash: aich,
        requests: 1,
        lastShared: 5,
        partiallyPurged: true,
        flags: 2,
      },
      { flavor: "emule" },
    );
    expect(record.tags.map((t) => t.id)).toEqual([0x01, 0x02, 0x27, 0x34, 0x51]);
  });

  it("emule: the AICH hashset blob of a multi-part file needs the part-level hashes", () => {
    const parts = [new Uint8Array(16), new Uint8Array(16)];
    const base = {
      name: "a",
      size: 9_728_001,
      mtime: 0,
      hash: md4(concatChunks(parts)),
      partHashes: parts,
      aichHash: aich,
      lastShared: 5,
    };
    expect(createKnownFileRecord(base, { flavor: "emule" }).tags.some((t) => t.id === 0x35)).toBe(
      false,
    );
    const withSet = createKnownFileRecord(
      { ...base, aichPartHashes: new Uint8Array(40).fill(7) },
      { flavor: "emule" },
    );
    const blob = withSet.tags.find((t) => t.id === 0x35)?.value as Uint8Array;
    expect(blob.length).toBe(20 + 2 + 40);
    expect(blob[20]).toBe(2);
    const onePart = createKnownFileRecord({ ...base, size: 9_728_000 }, { flavor: "emule" });
    expect(onePart.tags.find((t) => t.id === 0x35)?.valueBytes.length).toBe(22);
    expect(() =>
      createKnownFileRecord({ ...base, aichPartHashes: new Uint8Array(3) }, { flavor: "emule" }),
    ).toThrow(RangeError);
  });

  it("emule: defaults FT_LASTSHARED to the injected clock", () => {
    const record = createKnownFileRecord(
      { name: "a", size: 1, mtime: 0, hash, partHashes: [] },
      { flavor: "emule", now: () => 1_234_567_890_999 },
    );
    expect(record.lastShared).toBe(1_234_567_890);
  });

  it("rejects impossible input", () => {
    const ok = { name: "a", size: 1, mtime: 0, hash, partHashes: [] as Uint8Array[] };
    expect(() => createKnownFileRecord(ok, { flavor: "x" as "amule" })).toThrow(TypeError);
    expect(() => createKnownFileRecord({ ...ok, size: 9_728_000 }, { flavor: "amule" })).toThrow(
      /2 part hashes/,
    );
    expect(() =>
      createKnownFileRecord({ ...ok, hash: new Uint8Array(15) }, { flavor: "amule" }),
    ).toThrow(TypeError);
    expect(() => createKnownFileRecord({ ...ok, mtime: 2 ** 32 }, { flavor: "amule" })).toThrow(
      RangeError,
    );
    expect(() => createKnownFileRecord({ ...ok, requests: -1 }, { flavor: "amule" })).toThrow(
      RangeError,
    );
    expect(() =>
      createKnownFileRecord({ ...ok, transferred: 2n ** 64n }, { flavor: "amule" }),
    ).toThrow(RangeError);
    expect(() =>
      createKnownFileRecord({ ...ok, aichHash: new Uint8Array(16) }, { flavor: "amule" }),
    ).toThrow(TypeError);
    expect(() =>
      createKnownFileRecord({ ...ok, name: "x".repeat(70_000) }, { flavor: "amule" }),
    ).toThrow(RangeError);
  });

  // The record-dropped rules of validateKnownMet (docs/met-format.md#loading-bad-input).
  const twoParts = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
  const multiPart = {
    name: "m.bin",
    size: 9_728_001,
    mtime: 0,
    hash: md4(concatChunks(twoParts)),
    partHashes: twoParts,
    lastShared: 0,
  };

  it.each(["emule", "amule"] as const)(
    "%s: refuses a file hash that is not the MD4 of its part hashes, a record the client drops",
    (flavor) => {
      const record = createKnownFileRecord(multiPart, { flavor });
      expect(validateKnownMet({ header: "auto", records: [record] }).problems).toEqual([]);
      const wrong = { ...multiPart, hash: new Uint8Array(16).fill(9) };
      const dropped = assembleKnownFileRecord({ ...wrong, date: 0, tags: record.tags });
      expect(validateKnownMet({ header: "auto", records: [dropped] }).problems).toMatchObject([
        { code: "part-hash-mismatch", effect: "record-dropped" },
      ]);
      expect(() => createKnownFileRecord(wrong, { flavor })).toThrow(RangeError);
      expect(() => createKnownFileRecord(wrong, { flavor })).toThrow(/MD4 of the part hashes/);
      const packed = { ...wrong, partHashes: concatChunks(twoParts) };
      expect(() => createKnownFileRecord(packed, { flavor })).toThrow(RangeError);
    },
  );

  it("takes any file hash for one part or none, which the client checks against the data only", () => {
    const onePart = { ...multiPart, size: 9_727_999, hash: new Uint8Array(16).fill(9) };
    const record = createKnownFileRecord({ ...onePart, partHashes: [] }, { flavor: "amule" });
    expect(validateKnownMet({ header: "auto", records: [record] }).ok).toBe(true);
  });

  it("refuses size 0 for aMule, which drops such a record, and keeps it for eMule", () => {
    const empty = { name: "e", size: 0, mtime: 0, hash, partHashes: [], lastShared: 0 };
    expect(() => createKnownFileRecord(empty, { flavor: "amule" })).toThrow(RangeError);
    expect(() => createKnownFileRecord({ ...empty, size: 0n }, { flavor: "amule" })).toThrow(
      /size 0/,
    );
    expect(createKnownFileRecord(empty, { flavor: "emule" }).size).toBe(0n);
  });
});

function everyTagRecord(date: number, fill: number): KnownFileRecord {
  return assembleKnownFileRecord({
    date,
    hash: new Uint8Array(16).fill(fill),
    partHashes: new Uint8Array(32).fill(fill + 1),
    tags: [
      createMetTag({ id: 0x01, type: "string", value: "ü.txt", bom: true }),
      createMetTag({ id: 0x01, compact: true, type: "str", value: "x.txt" }),
      createMetTag({ id: 0x02, compact: true, type: "uint64", value: 9_728_000n }),
      createMetTag({ id: 0x40, type: "hash16", value: new Uint8Array(16).fill(3) }),
      createMetTag({ id: 0x41, type: "float32", value: 0.5 }),
      createMetTag({ id: 0x42, type: "bool", value: false }),
      createMetTag({ id: 0x43, type: "boolarray", value: { bits: 3, bytes: Uint8Array.of(5) } }),
      createMetTag({ id: 0x35, type: "blob", value: new Uint8Array(22) }),
      createMetTag({ id: 0x50, compact: true, type: "uint16", value: 7 }),
      createMetTag({ id: 0x50, type: "uint8", value: 1 }),
      createMetTag({ id: 0x54, type: "uint32", value: 2 }),
      createMetTag({ name: "Artist", type: "str", value: "Me" }),
      createMetTag({ id: 0x27, type: "string", value: "J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR" }),
    ],
  });
}

describe("handmade known.met samples", () => {
  for (const header of [0x0e, 0x0f] as const) {
    it(`round-trips every tag type byte for byte with header 0x${header.toString(16)}`, () => {
      const records = [everyTagRecord(1, 1), everyTagRecord(2, 9), everyTagRecord(1, 1)];
      const bytes = concatChunks(encodeKnownMet({ header, records }));
      expect(bytes[0]).toBe(header);
      const decoded = decodeKnownMet(bytes);
      expect(decoded.header).toBe(header);
      expect(decoded.records.map((r) => hex(r.bytes))).toEqual(records.map((r) => hex(r.bytes)));
      expect(hex(concatChunks(encodeKnownMet(decoded, { chunkSize: 64 })))).toBe(hex(bytes));
      const r = decoded.records[0] as KnownFileRecord;
      expect(r.names).toEqual(["ü.txt", "x.txt"]);
      expect(r.size).toBe(9_728_000n);
      expect(r.transferred).toBe(8n + (2n << 32n));
      expect(r.media).toEqual({ artist: "Me" });
      const odd = assembleKnownFileRecord({
        date: 0,
        hash: new Uint8Array(16),
        partHashes: [],
        tags: [
          createMetTag({ name: "constructor", type: "string", value: "x" }),
          createMetTag({ name: "length", type: "uint32", value: 42 }),
          createMetTag({ id: 0xd2, type: "string", value: "T" }),
          createMetTag({ id: 0xd4, type: "string", value: "not a number" }),
        ],
      });
      expect(odd.media).toEqual({ length: 42, title: "T" });
      expect(r.tags.map((t) => t.typeName)).toEqual([
        "string",
        "str",
        "uint64",
        "hash16",
        "float32",
        "bool",
        "boolarray",
        "blob",
        "uint16",
        "uint8",
        "uint32",
        "str",
        "string",
      ]);
    });
  }

  it("auto header: 0x0F only above 4,290,048,000 bytes", () => {
    const make = (size: number) =>
      assembleKnownFileRecord({
        date: 0,
        hash: new Uint8Array(16),
        partHashes: [],
        tags: [createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size })],
      });
    expect(
      concatChunks(encodeKnownMet({ header: "auto", records: [make(4_290_048_000)] }))[0],
    ).toBe(0x0e);
    expect(
      concatChunks(encodeKnownMet({ header: "auto", records: [make(4_290_048_001), make(1)] }))[0],
    ).toBe(0x0f);
    expect(concatChunks(encodeKnownMet({ header: "auto", records: [] }))).toEqual(
      Uint8Array.of(0x0e, 0, 0, 0, 0),
    );
  });

  it("encodes records from several buffers and plain record objects", () => {
    const decoded = decodeKnownMet(KNOWN).records;
    const mixed = [decoded[0], everyTagRecord(5, 5), decoded[2], decoded[3]] as KnownFileRecord[];
    const plain = {
      ...({} as KnownFileRecord),
      bytes: (decoded[4] as KnownFileRecord).bytes,
    } as KnownFileRecord;
    const bytes = concatChunks(
      encodeKnownMet({ header: 0x0e, records: [...mixed, plain] }, { chunkSize: 100 }),
    );
    const again = decodeKnownMet(bytes).records.map((r) => hex(r.bytes));
    expect(again).toEqual([...mixed, decoded[4] as KnownFileRecord].map((r) => hex(r.bytes)));
  });

  it("fails encoding with ERR_ENCODE for a bad header or invalid record bytes", () => {
    const bad = (value: unknown) => {
      try {
        [...encodeKnownMet(value as never)];
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(isPersistenceError(bad({ header: 0x10, records: [] }), "ERR_ENCODE")).toBe(true);
    expect(
      isPersistenceError(
        bad({ header: 0x0e, records: [{ bytes: new Uint8Array(3) }] }),
        "ERR_ENCODE",
      ),
    ).toBe(true);
    const two = concatChunks([everyTagRecord(1, 1).bytes, everyTagRecord(1, 1).bytes]);
    const error = bad({ header: 0x0e, records: [{}, { bytes: two }] });
    expect(isPersistenceError(error, "ERR_ENCODE")).toBe(true);
    expect((error as PersistenceError).details).toMatchObject({ record: 0 });
    expect(isPersistenceError(bad({ header: 0x0e }), "ERR_ENCODE")).toBe(true);
  });

  it("assembleKnownFileRecord rejects tags that are not one valid tag", () => {
    const base = { date: 0, hash: new Uint8Array(16), partHashes: [] };
    expect(() =>
      assembleKnownFileRecord({
        ...base,
        tags: [{ raw: Uint8Array.of(0x0a, 1, 0, 1, 0) } as never],
      }),
    ).toThrow(TypeError);
    expect(() =>
      assembleKnownFileRecord({ ...base, tags: [{ raw: fromHex("0301000201000000ff") } as never] }),
    ).toThrow(TypeError);
    expect(() =>
      assembleKnownFileRecord({ ...base, partHashes: new Uint8Array(5), tags: [] }),
    ).toThrow(RangeError);
  });
});

describe("hardened decoding", () => {
  const records = [everyTagRecord(1, 1), everyTagRecord(2, 2), everyTagRecord(3, 3)];
  const good = concatChunks(encodeKnownMet({ header: 0x0e, records }));
  const recordLength = (records[0] as KnownFileRecord).bytes.length;
  const second = 5 + recordLength;

  it("reports each corruption reason at its offset", () => {
    expect(corrupt(() => decodeKnownMet(new Uint8Array(0))).details).toMatchObject({
      offset: 0,
      reason: "truncated",
    });
    expect(corrupt(() => decodeKnownMet(Uint8Array.of(0x10, 0, 0, 0, 0))).details).toMatchObject({
      offset: 0,
      reason: "bad-header",
    });
    expect(corrupt(() => decodeKnownMet(Uint8Array.of(0x0e, 0, 0))).details).toMatchObject({
      offset: 1,
      reason: "truncated",
    });
    expect(
      corrupt(() => decodeKnownMet(Uint8Array.of(0x0e, 0xff, 0xff, 0xff, 0xff, 0))).details,
    ).toMatchObject({ offset: 1, reason: "bad-length" });
    expect(
      corrupt(() => decodeKnownMet(concatChunks([good, Uint8Array.of(0)]))).details,
    ).toMatchObject({
      offset: good.length,
      reason: "trailing-data",
    });
    const parts = good.slice();
    parts[second + 20] = 0xff;
    parts[second + 21] = 0xff;
    expect(corrupt(() => decodeKnownMet(parts)).details).toMatchObject({
      offset: second + 20,
      reason: "bad-length",
      record: 1,
    });
    const tagCount = good.slice();
    new DataView(tagCount.buffer).setUint32(second + 54, 0x7fffffff, true);
    expect(corrupt(() => decodeKnownMet(tagCount)).details).toMatchObject({
      offset: second + 54,
      reason: "bad-length",
    });
    const bsob = good.slice();
    bsob[second + 58] = 0x0a;
    expect(corrupt(() => decodeKnownMet(bsob)).details).toMatchObject({
      offset: second + 58,
      reason: "unknown-tag-type",
    });
    expect(corrupt(() => decodeKnownMet(good.subarray(0, second + 10))).details).toMatchObject({
      offset: second,
      reason: "truncated",
    });
    expect(corrupt(() => decodeKnownMet(good.subarray(0, second + 56))).details).toMatchObject({
      offset: second + 54,
      reason: "truncated",
    });
  });

  it("never allocates for absurd counts: a 6-byte input claiming 4 billion records fails fast", () => {
    const started = process.hrtime.bigint();
    corrupt(() => decodeKnownMet(Uint8Array.of(0x0f, 0xff, 0xff, 0xff, 0xff, 0)));
    expect(process.hrtime.bigint() - started).toBeLessThan(1_000_000_000n);
  });

  it("salvage returns the records read before the damage, as aMule keeps them", () => {
    const bsob = good.slice();
    bsob[second + 58] = 0x0a;
    const salvaged = decodeKnownMet(bsob, { salvage: true });
    expect(salvaged.error?.details).toMatchObject({ reason: "unknown-tag-type" });
    expect(salvaged.value.records.map((r) => r.date)).toEqual([1]);
    const cut = decodeKnownMet(KNOWN.subarray(0, 700), { salvage: true });
    expect(cut.value.records).toHaveLength(3);
    expect(cut.error?.details?.reason).toBe("bad-length");
    const ok = decodeKnownMet(KNOWN, { salvage: true });
    expect(ok.error).toBeUndefined();
    expect(ok.value.records).toHaveLength(6);
    const header = decodeKnownMet(Uint8Array.of(0x10), { salvage: true });
    expect(header.value).toEqual({ header: 0x0e, records: [] });
    expect(header.error?.details?.reason).toBe("bad-header");
    const trailing = decodeKnownMet(concatChunks([good, Uint8Array.of(1, 2)]), { salvage: true });
    expect(trailing.value.records).toHaveLength(3);
    expect(trailing.error?.details?.reason).toBe("trailing-data");
  });

  it("rejects every truncation of a valid file with ERR_CORRUPT, never another error", () => {
    for (let cut = 0; cut < KNOWN.length; cut++) {
      const error = corrupt(() => decodeKnownMet(KNOWN.subarray(0, cut)));
      expect(typeof error.details?.offset).toBe("number");
      expect(error.details?.offset as number).toBeLessThanOrEqual(cut);
    }
  });

  it("rejects every single-byte corruption with ERR_CORRUPT or decodes it (never crashes)", () => {
    for (let i = 0; i < KNOWN.length; i += 3) {
      for (const value of [0x00, 0x0a, 0xff]) {
        const bytes = KNOWN.slice();
        bytes[i] = value;
        try {
          const decoded = decodeKnownMet(bytes);
          expect(hex(concatChunks(encodeKnownMet(decoded)))).toBe(hex(bytes));
          for (const r of decoded.records)
            void [r.name, r.size, r.aichHash, r.tags, r.media, r.transferred];
        } catch (error) {
          expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
        }
      }
    }
  });
});

describe("sortKnownFileRecordsAmule", () => {
  it("puts older duplicates first in input order, then the rest by hash bytes", () => {
    const rec = (first: number, date: number) =>
      assembleKnownFileRecord({
        date,
        hash: new Uint8Array(16).fill(first),
        partHashes: [],
        tags: [],
      });
    const input = [rec(9, 1), rec(3, 2), rec(1, 3), rec(9, 4), rec(2, 5)];
    expect(sortKnownFileRecordsAmule(input).map((r) => r.date)).toEqual([1, 3, 5, 2, 4]);
    expect(input.map((r) => r.date)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("sortKnownFileRecordsAmule (against a reference)", () => {
  it("matches a straightforward implementation on random hashes with many duplicates", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const records = Array.from({ length: 2000 }, (_, date) => {
      const hash = new Uint8Array(16);
      hash[0] = random() % 3;
      hash[5] = random() % 4;
      hash[15] = random() % 5;
      return assembleKnownFileRecord({ date, hash, partHashes: [], tags: [] });
    });
    const key = (r: KnownFileRecord) => hex(r.hash);
    const last = new Map(records.map((r, i) => [key(r), i]));
    const reference = [
      ...records.filter((r, i) => last.get(key(r)) !== i),
      ...records
        .filter((r, i) => last.get(key(r)) === i)
        .sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    ];
    expect(sortKnownFileRecordsAmule(records).map((r) => r.date)).toEqual(
      reference.map((r) => r.date),
    );
  });
});

describe("compactKnownFileRecords", () => {
  it("copies records into fresh packed buffers with identical bytes and accessors", () => {
    const decoded = decodeKnownMet(KNOWN.slice()).records;
    const created = createKnownFileRecord(
      {
        name: "big",
        size: 4_400_000_000,
        mtime: 1,
        hash: md4(new Uint8Array(453 * 16)),
        partHashes: new Uint8Array(453 * 16),
      },
      { flavor: "amule" },
    );
    const plain = { bytes: (decoded[1] as KnownFileRecord).bytes.slice() } as KnownFileRecord;
    const input = [
      decoded[3],
      created,
      plain,
      decoded[0],
      everyTagRecord(3, 3),
    ] as KnownFileRecord[];
    const compacted = compactKnownFileRecords(input);
    expect(compacted.map((r) => hex(r.bytes))).toEqual(input.map((r) => hex(r.bytes)));
    for (const r of compacted) {
      expect(r.bytes.buffer).toBe((compacted[0] as KnownFileRecord).bytes.buffer);
      expect(r.bytes.buffer).not.toBe(KNOWN.buffer);
    }
    expect(compacted.map((r) => r.size)).toEqual(
      input.map((r) => (r === plain ? decoded[1]?.size : r.size)),
    );
    expect(concatChunks(encodeKnownMet({ header: "auto", records: compacted }))[0]).toBe(0x0f);
    expect(hex(concatChunks(encodeKnownMet({ header: "auto", records: compacted })))).toBe(
      hex(concatChunks(encodeKnownMet({ header: "auto", records: input }))),
    );
  });

  it("refuses record objects without valid bytes", () => {
    const error = (() => {
      try {
        compactKnownFileRecords([{ bytes: new Uint8Array(3) } as KnownFileRecord]);
      } catch (e) {
        return e;
      }
    })();
    expect(isPersistenceError(error, "ERR_ENCODE")).toBe(true);
  });
});

describe("md4 link", () => {
  it("the fixture's multi-part hashes are MD4 of their part hashes", () => {
    for (const r of decodeKnownMet(KNOWN).records) {
      if (r.partHashCount > 1) expect(hex(md4(r.partHashes))).toBe(hex(r.hash));
    }
  });
});
