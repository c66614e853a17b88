import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import {
  createKnownMetReplica,
  KNOWN_MET_PATCH_TAGS,
  type KnownMetReplica,
} from "../src/known-met/known-met-replica.js";
import { Md4SlotIndex } from "../src/known-met/md4-slot-index.js";
import { RecordArena } from "../src/known-met/record-arena.js";
import { BORROW_MIN } from "../src/known-met/replica-runs.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import { createRecordListReplica } from "./support/record-list-replica.js";

/** Small seeded generator (xorshift32): the same sequence on every run. */
function random(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** Record `key` of a pool of keys; `parts` part hashes make it big (16 bytes each). */
function record(key: number, version: number, parts: number, size: number): KnownFileRecord {
  const hash = new Uint8Array(16);
  const view = new DataView(hash.buffer);
  // Keys that share their first 4 bytes collide in the index: compare all 16.
  view.setUint32(0, key % 7, true);
  view.setUint32(12, key, true);
  return assembleKnownFileRecord({
    date: version,
    hash,
    partHashes: Array.from({ length: parts }, (_, i) => new Uint8Array(16).fill(i + version)),
    tags: [createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size })],
  });
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function expectSame(slabs: KnownMetReplica, oracle: KnownMetReplica): void {
  expect(slabs.size).toBe(oracle.size);
  expect(hex(concatChunks(slabs.encode()))).toBe(hex(concatChunks(oracle.encode())));
}

describe("createKnownMetReplica against the record-list replica", () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`writes the same bytes after every patch sequence (seed ${seed})`, () => {
      const next = random(seed * 7919);
      const chunkSize = 16 + next(4096);
      const slabs = createKnownMetReplica({ chunkSize });
      const oracle = createRecordListReplica({ chunkSize });
      const keys = 50 + next(3000);
      let version = 0;
      const make = (key: number): KnownFileRecord =>
        record(
          key,
          ++version,
          // Mostly small records, some of 8–40 KB so that garbage passes 1 MiB and compacts.
          next(10) === 0 ? 500 + next(2000) : next(3),
          next(50) === 0 ? 4_290_048_001 + next(1000) : next(1 << 30),
        );
      for (let step = 0; step < 4000; step++) {
        const roll = next(100);
        if (roll < 60) {
          const bytes = make(next(keys)).bytes;
          if (next(2) === 0) slabs.apply({ op: "put", record: bytes });
          else slabs.applyBytes(KNOWN_MET_PATCH_TAGS.put, bytes);
          oracle.apply({ op: "put", record: bytes });
        } else if (roll < 98) {
          const hash = make(next(keys)).hash;
          slabs.apply({ op: "delete", hash });
          oracle.apply({ op: "delete", hash });
        } else if (roll < 99) {
          // A file with repeated hashes: the later record takes the first one's place.
          const records = Array.from({ length: next(2000) }, () => make(next(keys)));
          const file = concatChunks(encodeKnownMet({ header: "auto", records }));
          oracle.apply({ op: "load", file: file.slice() });
          if (next(2) === 0) slabs.apply({ op: "load", file });
          else slabs.applyBytes(KNOWN_MET_PATCH_TAGS.load, file);
        } else {
          expectSame(slabs, oracle);
        }
      }
      expectSame(slabs, oracle);
    });
  }

  it("slides a loaded file's live records down in place and appends into the room freed", () => {
    const big = (key: number, version: number) => record(key, version, 4000, key);
    const records = Array.from({ length: 40 }, (_, key) => big(key, 0));
    const file = concatChunks(encodeKnownMet({ header: 0x0e, records }));
    const slabs = createKnownMetReplica();
    const oracle = createRecordListReplica();
    for (const replica of [slabs, oracle]) replica.apply({ op: "load", file: file.slice() });
    // 64 KB records: the 17th replacement takes garbage past 1 MiB and a quarter of the bytes.
    for (let key = 0; key < 30; key++) {
      for (const replica of [slabs, oracle]) {
        replica.apply({ op: "put", record: big(key, 1).bytes });
      }
      expectSame(slabs, oracle);
    }
    for (let key = 0; key < 40; key += 2) {
      for (const replica of [slabs, oracle])
        replica.apply({ op: "delete", hash: big(key, 0).hash });
    }
    expectSame(slabs, oracle);
  });
});

describe("RecordArena", () => {
  const bytesOf = (fill: number, length: number) => new Uint8Array(length).fill(fill);

  it("compacts in place: live records in slot order, tombstones and empty slabs dropped", () => {
    const arena = new RecordArena();
    const small = record(1, 1, 0, 5).bytes;
    const large = record(2, 1, 0, 4_290_048_001).bytes;
    const other = record(3, 1, 0, 7).bytes;
    const file = concatChunks([Uint8Array.of(9, 9), small, large, other]);
    const loaded = arena.adopt(file);
    const a = arena.push(loaded, 2, small.length, false);
    const b = arena.push(loaded, 2 + small.length, large.length, true);
    const c = arena.push(loaded, 2 + small.length + large.length, other.length, false);
    const replacement = record(1, 2, 1, 5).bytes;
    const slab = arena.append(replacement);
    arena.repoint(a, slab, arena.appendedAt, replacement.length, false);
    arena.kill(c);
    expect(arena.largeLive).toBe(1);
    expect(arena.usedBytes - arena.liveBytes).toBe(2 + small.length + other.length);
    // A big record appended, then removed: compact slides it out of the append slab.
    const huge = record(4, 1, 20_000, 9).bytes;
    const only = arena.append(huge);
    arena.push(only, arena.appendedAt, huge.length, false);
    arena.kill(3);
    arena.compact();
    expect(arena.count).toBe(2);
    expect(arena.slabs).toHaveLength(2);
    expect(hex(file.subarray(0, large.length))).toBe(hex(large));
    expect([arena.slab[0], arena.start[0], arena.length[0]]).toEqual([1, 0, replacement.length]);
    expect([arena.slab[1], arena.start[1], arena.length[1]]).toEqual([0, 0, large.length]);
    expect(arena.largeLive).toBe(1);
    expect(arena.usedBytes).toBe(arena.liveBytes);
    // The loaded file's freed room takes the next small record.
    expect(arena.append(bytesOf(6, 4))).toBe(0);
    expect(arena.appendedAt).toBe(large.length);
    expect(b).toBe(1);
  });

  it("appends to a 64 KiB slab first, each next slab twice the last up to 1 MiB", () => {
    const arena = new RecordArena();
    // 40 KiB each: 1 fits the first slab, 3 the second, 6, 12, 25, then a second 1 MiB slab.
    for (let i = 0; i < 48; i++) arena.append(bytesOf(i, 40 * 1024));
    expect(arena.slabs.map((slab) => slab.length / 1024)).toEqual([64, 128, 256, 512, 1024, 1024]);
    expect(arena.used.map((used) => used / (40 * 1024))).toEqual([1, 3, 6, 12, 25, 1]);
    // A record larger than the next append slab's capacity gets a slab of at least its size.
    const fresh = new RecordArena();
    fresh.append(bytesOf(1, 100 * 1024));
    expect(fresh.slabs.map((slab) => slab.length / 1024)).toEqual([100]);
  });

  it("overwrites a record of the same length where it is, counting records that need 0x0F", () => {
    const arena = new RecordArena();
    const first = record(1, 1, 0, 4_290_048_001).bytes;
    const second = record(2, 1, 0, 7).bytes;
    const file = concatChunks([first, second]);
    const loaded = arena.adopt(file);
    arena.push(loaded, 0, first.length, true);
    arena.push(loaded, first.length, second.length, false);
    const smaller = record(1, 2, 0, 4_290_048_000).bytes;
    expect(smaller.length).toBe(first.length);
    arena.overwrite(0, smaller, false);
    expect(arena.largeLive).toBe(0);
    arena.overwrite(1, record(2, 2, 0, 4_290_048_009).bytes, true);
    expect(arena.largeLive).toBe(1);
    expect(hex(file)).toBe(hex(concatChunks([smaller, record(2, 2, 0, 4_290_048_009).bytes])));
    expect(arena.usedBytes).toBe(arena.liveBytes);
    arena.kill(1);
    expect(arena.largeLive).toBe(0);
  });

  it("indexes slots by MD4 hash and finds them again after removals", () => {
    const arena = new RecordArena();
    const index = new Md4SlotIndex(arena);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) {
      const rec = new Uint8Array(20);
      // Only 3 distinct home positions: long probe runs, every removal shifts entries back.
      rec[4] = i % 3;
      new DataView(rec.buffer).setUint32(16, i, true);
      hashes.push(rec.subarray(4, 20));
      const slab = arena.append(rec);
      index.insert(arena.push(slab, arena.appendedAt, 20, false));
    }
    for (let i = 0; i < 500; i += 2) expect(index.remove(hashes[i] as Uint8Array, 0)).toBe(i);
    for (let i = 0; i < 500; i++) {
      expect(index.find(hashes[i] as Uint8Array, 0)).toBe(i % 2 === 0 ? -1 : i);
    }
    expect(index.size).toBe(250);
  });
});

describe("createKnownMetReplica with borrowChunks hands long runs out as views of its storage", () => {
  it("by default hands over chunks of its own, as the codec rule asks", () => {
    const records = Array.from({ length: 3000 }, (_, key) => record(key, 1, 2, 1000 + key));
    const file = concatChunks(encodeKnownMet({ header: 0x0e, records }));
    const replica = createKnownMetReplica({ chunkSize: 64 * 1024 });
    replica.apply({ op: "load", file });
    const chunks = [...replica.encode()];
    expect(chunks.some((chunk) => chunk.buffer === file.buffer)).toBe(false);
    expect(hex(concatChunks(chunks))).toBe(hex(file));
  });

  it("refuses a borrowChunks that is not a boolean", () => {
    expect(() => createKnownMetReplica({ borrowChunks: "yes" as unknown as boolean })).toThrow(
      TypeError,
    );
  });

  it("borrows the loaded file's bytes, keeps chunks within chunkSize, and writes the same bytes as the record list", () => {
    const records = Array.from({ length: 3000 }, (_, key) => record(key, 1, 2, 1000 + key));
    const file = concatChunks(encodeKnownMet({ header: 0x0e, records }));
    const chunkSize = 64 * 1024;
    const slabs = createKnownMetReplica({ chunkSize, borrowChunks: true });
    const oracle = createRecordListReplica({ chunkSize });
    slabs.apply({ op: "load", file });
    oracle.apply({ op: "load", file: file.slice() });
    // Replace one record in the middle and add one: the runs around them stay borrowed.
    for (const patch of [record(1500, 2, 3, 7), record(5000, 2, 1, 9)]) {
      slabs.apply({ op: "put", record: patch.bytes.slice() });
      oracle.apply({ op: "put", record: patch.bytes.slice() });
    }
    const chunks = [...slabs.encode()];
    expect(chunks.every((chunk) => chunk.byteLength <= chunkSize)).toBe(true);
    const borrowed = chunks.filter((chunk) => chunk.buffer === file.buffer);
    expect(borrowed.reduce((n, chunk) => n + chunk.byteLength, 0)).toBeGreaterThan(file.length / 2);
    expect(hex(concatChunks(chunks))).toBe(hex(concatChunks(oracle.encode())));
  });

  it("lends runs of a few KiB left between scattered changes instead of copying them", () => {
    const records = Array.from({ length: 3000 }, (_, key) => record(key, 1, 2, 1000 + key));
    const file = concatChunks(encodeKnownMet({ header: 0x0e, records }));
    const slabs = createKnownMetReplica({ chunkSize: 64 * 1024, borrowChunks: true });
    const oracle = createRecordListReplica({ chunkSize: 64 * 1024 });
    slabs.apply({ op: "load", file });
    oracle.apply({ op: "load", file: file.slice() });
    // Every 40th record replaced by a longer one (appended elsewhere): runs of 39 records between.
    for (let key = 0; key < 3000; key += 40) {
      const patch = record(key, 2, 3, 7);
      slabs.apply({ op: "put", record: patch.bytes.slice() });
      oracle.apply({ op: "put", record: patch.bytes.slice() });
    }
    const run = 39 * (file.length / 3000);
    expect(run).toBeGreaterThanOrEqual(BORROW_MIN);
    expect(run).toBeLessThan(16 * 1024);
    const chunks = [...slabs.encode()];
    const borrowed = chunks.filter((chunk) => chunk.buffer === file.buffer);
    const lent = borrowed.reduce((n, chunk) => n + chunk.byteLength, 0);
    expect(lent).toBeGreaterThan(file.length * 0.9);
    expect(hex(concatChunks(chunks))).toBe(hex(concatChunks(oracle.encode())));
  });

  it("copies short runs of scattered records into chunks of its own", () => {
    const slabs = createKnownMetReplica({ chunkSize: 4096, borrowChunks: true });
    const oracle = createRecordListReplica({ chunkSize: 4096 });
    const base = Array.from({ length: 400 }, (_, key) => record(key, 1, 0, 10 + key));
    const file = concatChunks(encodeKnownMet({ header: 0x0e, records: base }));
    slabs.apply({ op: "load", file });
    oracle.apply({ op: "load", file: file.slice() });
    // Every other record replaced by a longer one: no run of the loaded file is long enough to borrow.
    for (let key = 0; key < 400; key += 2) {
      const patch = record(key, 2, 1, 20 + key);
      slabs.apply({ op: "put", record: patch.bytes.slice() });
      oracle.apply({ op: "put", record: patch.bytes.slice() });
    }
    const chunks = [...slabs.encode()];
    expect(chunks.some((chunk) => chunk.buffer === file.buffer)).toBe(false);
    expect(hex(concatChunks(chunks))).toBe(hex(concatChunks(oracle.encode())));
  });
});
