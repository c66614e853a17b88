import { readFileSync } from "node:fs";
import { describeCodecContract } from "@snapwrite/testkit/contract";
import { md4 } from "../src/hash/md4.js";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import type { KnownMet } from "../src/known-met/known-met.js";
import { createKnownMetCodec, knownMetCodec } from "../src/known-met/known-met-codec.js";
import { createMetTag } from "../src/tags/create-met-tag.js";

const KNOWN = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/known.met", import.meta.url),
  ),
);

const hexOf = (value: KnownMet) =>
  `${String(value.header)}:${value.records.map((r) => Buffer.from(r.bytes).toString("hex")).join(",")}`;
const equals = (a: KnownMet, b: KnownMet) => hexOf(a) === hexOf(b);

const handmade = assembleKnownFileRecord({
  date: 7,
  hash: new Uint8Array(16).fill(1),
  partHashes: [],
  tags: [
    createMetTag({ id: 1, compact: true, type: "str", value: "a.b" }),
    createMetTag({ id: 2, compact: true, type: "uint16", value: 500 }),
    createMetTag({ id: 0x40, type: "hash16", value: new Uint8Array(16) }),
    createMetTag({ id: 0x41, type: "float32", value: 2 }),
    createMetTag({ id: 0x42, type: "bool", value: true }),
    createMetTag({ id: 0x43, type: "boolarray", value: { bits: 8, bytes: Uint8Array.of(1, 2) } }),
    createMetTag({ id: 0x44, type: "blob", value: Uint8Array.of(9, 9) }),
    createMetTag({ id: 0x45, type: "uint8", value: 3 }),
    createMetTag({ id: 0x46, type: "uint64", value: 2n ** 40n }),
    createMetTag({ name: "Artist", type: "string", value: "ß", bom: true }),
  ],
});
const large = createKnownFileRecord(
  {
    name: "big",
    size: 4_400_000_000,
    mtime: 1,
    hash: md4(new Uint8Array(453 * 16)),
    partHashes: new Uint8Array(453 * 16),
  },
  { flavor: "amule" },
);

for (const [label, codec] of [
  ["knownMetCodec", knownMetCodec],
  ["createKnownMetCodec({ chunkSize: 64 })", createKnownMetCodec({ chunkSize: 64 })],
] as const) {
  describeCodecContract(label, {
    codec,
    equals,
    samples: [
      { value: knownMetCodec.decode(KNOWN), bytes: KNOWN },
      { value: { header: 0x0e, records: [] }, bytes: Uint8Array.of(0x0e, 0, 0, 0, 0) },
      { value: { header: 0x0f, records: [handmade, large, handmade] } },
    ],
    invalid: [
      new Uint8Array(0),
      Uint8Array.of(0x10, 0, 0, 0, 0),
      Uint8Array.of(0x0e, 1, 0),
      Uint8Array.of(0x0e, 0xff, 0xff, 0xff, 0xff),
      KNOWN.subarray(0, 700),
      Uint8Array.from([...KNOWN, 0]),
    ],
    fuzz: { numRuns: 120 },
  });
}
