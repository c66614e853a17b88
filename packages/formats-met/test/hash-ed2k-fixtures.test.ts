import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { aichLeafCount } from "../src/hash/aich-leaf-count.js";
import { base32Encode } from "../src/hash/base32.js";
import { computeEd2kHashes } from "../src/hash/compute-ed2k-hashes.js";
import { ed2kPartHashCount } from "../src/hash/ed2k-part-hash-count.js";
import { known2MetCodec } from "../src/known2/known2-met-codec.js";
import { AMULE_SET1, fileChunks, fileContent } from "./support/amule-file-set.js";
import { readKnownMetLite } from "./support/known-met-lite.js";
import { readSet1 } from "./support/read-fixture.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();

const records = readKnownMetLite(readSet1("known.met"));
const known2 = known2MetCodec.decode(readSet1("known2_64.met"));

describe("computeEd2kHashes against the hashes aMule 2.3.3 wrote (set1 fixtures)", () => {
  it("the fixtures describe exactly the harness's file set", () => {
    const manifest = new TextDecoder()
      .decode(readSet1("manifest.tsv"))
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(manifest).toEqual(AMULE_SET1.map((f) => [f.name, String(f.size), String(f.mtime)]));
    expect(records.map((r) => r.name).sort()).toEqual(AMULE_SET1.map((f) => f.name).sort());
    expect(known2.entries).toHaveLength(AMULE_SET1.length);
  });

  it.each(AMULE_SET1.map((f) => [f.name, f] as const))(
    "reproduces hash, part hashes, AICH root and known2 leaves of %s",
    async (_name, file) => {
      const record = records.find((r) => r.name === file.name);
      expect(record).toBeDefined();
      if (record === undefined) return;
      // Odd chunk size so part and AICH block boundaries fall inside chunks.
      const result = await computeEd2kHashes(Readable.from(fileChunks(file, 100_003)));
      expect(result.size).toBe(file.size);
      expect(record.size).toBe(file.size);
      expect(hex(result.hash)).toBe(hex(record.hash));
      expect(result.partHashes.map(hex)).toEqual(record.partHashes.map(hex));
      expect(result.partHashes).toHaveLength(ed2kPartHashCount(file.size));
      expect(base32Encode(result.aich.root)).toBe(record.aichBase32);
      const entry = known2.entries.find((e) => hex(e.root) === hex(result.aich.root));
      expect(entry).toBeDefined();
      expect(hex(result.aich.leaves)).toBe(hex(entry?.leaves ?? new Uint8Array(0)));
      expect(result.aich.leaves.length / 20).toBe(aichLeafCount(file.size));
    },
  );

  it("gives the same result for whole bytes, a sync iterable and 1-MiB chunks", async () => {
    const file = AMULE_SET1.find((f) => f.name === "two-parts-12345678.bin");
    if (file === undefined) throw new Error("missing file spec");
    const a = await computeEd2kHashes(fileContent(file));
    const b = await computeEd2kHashes(fileChunks(file, 1 << 20));
    const c = await computeEd2kHashes(Readable.from(fileChunks(file, 184_320)));
    for (const other of [b, c]) {
      expect(hex(other.hash)).toBe(hex(a.hash));
      expect(other.partHashes.map(hex)).toEqual(a.partHashes.map(hex));
      expect(hex(other.aich.root)).toBe(hex(a.aich.root));
      expect(hex(other.aich.leaves)).toBe(hex(a.aich.leaves));
    }
  });

  it("puts MD4 of the empty string as the last part hash of a file of exactly one part", async () => {
    const file = AMULE_SET1.find((f) => f.size === 9_728_000);
    if (file === undefined) throw new Error("missing file spec");
    const result = await computeEd2kHashes(fileChunks(file));
    expect(result.partHashes).toHaveLength(2);
    expect(hex(result.partHashes[1] as Uint8Array)).toBe("31D6CFE0D16AE931B73C59D7E0C089C0");
  });
});
