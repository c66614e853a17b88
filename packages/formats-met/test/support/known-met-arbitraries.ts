import { concatChunks } from "@snapwrite/testkit";
import fc from "fast-check";
import {
  assembleKnownFileRecord,
  createMetTag,
  type KnownFileRecord,
  type KnownMetHeader,
  type KnownMetOp,
} from "../../src/index.js";

/** A 16-byte hash for `id` (little-endian in its first bytes), ending in 0x5A. */
export function hashOf(id: number): Uint8Array {
  const hash = new Uint8Array(16);
  new DataView(hash.buffer).setUint32(0, id, true);
  hash[15] = 0x5a;
  return hash;
}

/** A record with hash `hashOf(id)`, an FT_FILENAME and an FT_FILESIZE (UINT64 above 4 GiB). */
export function record(id: number, size: number, name: string): KnownFileRecord {
  return assembleKnownFileRecord({
    date: 1_700_000_000 + id,
    hash: hashOf(id),
    partHashes: [],
    tags: [
      createMetTag({ id: 1, type: "string", value: name }),
      createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size }),
    ],
  });
}

/** Records over ten hashes, some large enough for header 0x0F. */
export const recordArb = fc
  .record({
    id: fc.nat(9),
    size: fc.oneof(fc.nat(9_000_000), fc.constant(5_000_000_000)),
    name: fc.string({ maxLength: 6 }),
  })
  .map(({ id, size, name }) => record(id, size, name));

/** Upserts of {@link recordArb} and removes of the hashes of ids 0 to `maxRemoveId`. */
export function opArbOf(maxRemoveId: number): fc.Arbitrary<KnownMetOp> {
  return fc.oneof(
    recordArb.map((r) => ({ op: "upsert" as const, record: r })),
    fc.nat(maxRemoveId).map((id) => ({ op: "remove" as const, hash: hashOf(id) })),
  );
}

export const headerArb = fc.constantFrom<KnownMetHeader | "auto">("auto", 0x0e, 0x0f);

export const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** The chunks, joined, as hex. */
export const hex = (chunks: Iterable<Uint8Array>) => hexOf(concatChunks([...chunks]));
