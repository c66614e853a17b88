import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import { createKnownMetReplica, KNOWN_MET_PATCH_TAGS } from "../src/known-met/known-met-replica.js";
import { createMetTag } from "../src/tags/create-met-tag.js";

function record(first: number, size: number, date = 0): KnownFileRecord {
  const hash = new Uint8Array(16);
  hash[0] = first;
  return assembleKnownFileRecord({
    date,
    hash,
    partHashes: [],
    tags: [createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size })],
  });
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("createKnownMetReplica", () => {
  it("keeps records keyed by hash in insertion order and encodes them like encodeKnownMet", () => {
    const replica = createKnownMetReplica();
    const a = record(1, 10);
    const b = record(2, 20);
    const c = record(3, 30);
    const b2 = record(2, 21, 99);
    for (const r of [a, b, c]) replica.apply({ op: "put", record: r.bytes });
    replica.apply({ op: "put", record: b2.bytes });
    replica.apply({ op: "delete", hash: a.hash });
    replica.apply({ op: "delete", hash: new Uint8Array(16).fill(7) });
    expect(replica.size).toBe(2);
    const bytes = concatChunks(replica.encode());
    expect(hex(bytes)).toBe(
      hex(concatChunks(encodeKnownMet({ header: "auto", records: [b2, c] }))),
    );
    const decoded = decodeKnownMet(bytes);
    expect(decoded.records.map((r) => r.date)).toEqual([99, 0]);
  });

  it("loads a whole file, then applies point patches on top", () => {
    const file = concatChunks(
      encodeKnownMet({ header: 0x0e, records: [record(1, 1), record(2, 2), record(3, 3)] }),
    );
    const replica = createKnownMetReplica({ chunkSize: 64 });
    replica.apply({ op: "load", file });
    replica.apply({ op: "put", record: record(4, 4).bytes });
    replica.apply({ op: "delete", hash: record(2, 2).hash });
    const decoded = decodeKnownMet(concatChunks(replica.encode()));
    expect(decoded.records.map((r) => r.sizeNumber)).toEqual([1, 3, 4]);
  });

  it("picks header 0x0F only while a file above 4,290,048,000 bytes is held", () => {
    const replica = createKnownMetReplica();
    const big = record(9, 4_290_048_001);
    replica.apply({ op: "put", record: record(1, 5).bytes });
    replica.apply({ op: "put", record: big.bytes });
    expect(concatChunks(replica.encode())[0]).toBe(0x0f);
    replica.apply({ op: "delete", hash: big.hash });
    expect(concatChunks(replica.encode())[0]).toBe(0x0e);
  });

  it("compacts after many deletes without changing the order of the rest", () => {
    const replica = createKnownMetReplica();
    const all: KnownFileRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      const hash = new Uint8Array(16);
      new DataView(hash.buffer).setUint32(0, i);
      const r = assembleKnownFileRecord({
        date: i,
        hash,
        partHashes: [],
        tags: [createMetTag({ id: 2, type: "uint32", value: i })],
      });
      all.push(r);
      replica.apply({ op: "put", record: r.bytes });
    }
    for (let i = 0; i < 3000; i += 3)
      replica.apply({ op: "delete", hash: (all[i] as KnownFileRecord).hash });
    replica.apply({ op: "put", record: (all[0] as KnownFileRecord).bytes });
    const dates = decodeKnownMet(concatChunks(replica.encode())).records.map((r) => r.date);
    const expected = all.filter((_, i) => i % 3 !== 0).map((r) => r.date);
    expect(dates).toEqual([...expected, 0]);
    expect(replica.size).toBe(2001);
  });

  it("applies binary patches like their object form, without keeping views of the payload", () => {
    const objects = createKnownMetReplica();
    const binary = createKnownMetReplica();
    const file = concatChunks(
      encodeKnownMet({ header: 0x0e, records: [record(1, 1), record(2, 2)] }),
    );
    const shared = new Uint8Array(4096);
    const send = (tag: number, bytes: Uint8Array) => {
      // Like a message buffer: the payload is a view that is overwritten afterwards.
      shared.set(bytes, 100);
      binary.applyBytes(tag, shared.subarray(100, 100 + bytes.byteLength));
      shared.fill(0xee);
    };
    objects.apply({ op: "load", file });
    send(KNOWN_MET_PATCH_TAGS.load, file);
    for (const r of [record(3, 3), record(1, 10, 5)]) {
      objects.apply({ op: "put", record: r.bytes });
      send(KNOWN_MET_PATCH_TAGS.put, r.bytes);
    }
    objects.apply({ op: "delete", hash: record(2, 2).hash });
    send(KNOWN_MET_PATCH_TAGS.delete, record(2, 2).hash);
    expect(binary.size).toBe(2);
    expect(hex(concatChunks(binary.encode()))).toBe(hex(concatChunks(objects.encode())));
    expect(() => binary.applyBytes(9, new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: "ERR_CORRUPT" }),
    );
    expect(() => binary.applyBytes(KNOWN_MET_PATCH_TAGS.delete, new Uint8Array(3))).toThrow(
      expect.objectContaining({ code: "ERR_CORRUPT" }),
    );
  });

  it("throws ERR_CORRUPT for bad patches and TypeError for a bad header option", () => {
    const replica = createKnownMetReplica();
    const bad = (patch: unknown) => {
      try {
        replica.apply(patch as never);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const truncated = record(1, 1).bytes.subarray(0, 10);
    for (const patch of [
      { op: "put", record: truncated },
      { op: "put", record: "nope" },
      { op: "delete", hash: new Uint8Array(3) },
      { op: "load", file: Uint8Array.of(0x0e, 5, 0, 0, 0) },
      { op: "rename" },
      null,
    ]) {
      expect(isPersistenceError(bad(patch), "ERR_CORRUPT")).toBe(true);
    }
    expect(replica.size).toBe(0);
    expect(() => createKnownMetReplica({ header: 0x10 as never })).toThrow(TypeError);
  });

  it("checks its options when it is created, not at the first encode", () => {
    expect(() => createKnownMetReplica({ header: null as never })).toThrow(TypeError);
    expect(() => createKnownMetReplica(null as never)).toThrow(/options must be an object/);
    expect(() => createKnownMetReplica(5 as never)).toThrow(TypeError);
    for (const chunkSize of [10, 64.5, "128" as never, Number.NaN]) {
      expect(() => createKnownMetReplica({ chunkSize }), String(chunkSize)).toThrow(
        /createKnownMetReplica: chunkSize must be an integer >= 64/,
      );
    }
    expect(createKnownMetReplica({ chunkSize: 64 }).size).toBe(0);
  });
});
