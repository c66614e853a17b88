import { CHUNK_RELEASE, chunkReleaseOf, createChunkPool } from "@snapwrite/core/codec-kit";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createKnownMetCodec,
  createKnownMetStateCodec,
  type EmuleCancelledMet,
  emuleCancelledMetCodec,
  encodeKnownMet,
  type KnownMet,
  knownMetCodec,
  knownMetStateFrom,
} from "../src/index.js";
import { hexOf, record } from "./support/known-met-arbitraries.js";

const CHUNK = 64;
const fresh = createKnownMetCodec({ chunkSize: CHUNK, pool: false });

function value(count: number, salt: number): KnownMet {
  const records = Array.from({ length: count }, (_, i) =>
    record(i + salt, 1000 * i + salt, `file-${salt}-${i}`),
  );
  return { header: 0x0e, records };
}

/** Pulls every chunk, copying it, then hands it back like a sink that is done with it. */
function drainReleasing(chunks: Iterable<Uint8Array>): Uint8Array {
  const release = chunkReleaseOf(chunks);
  const copies: Uint8Array[] = [];
  for (const chunk of chunks) {
    copies.push(chunk.slice());
    release?.(chunk);
  }
  return concatChunks(copies);
}

describe("known.met codecs take their chunks from a pool", () => {
  it("encode the same bytes with recycled chunks as with fresh ones, save after save", () => {
    const pool = createChunkPool({ chunkSize: CHUNK, maxChunks: 4 });
    const pooled = createKnownMetCodec({ pool });
    for (const salt of [1, 2, 3]) {
      const v = value(40, salt);
      const bytes = drainReleasing(pooled.encode(v));
      expect(hexOf(bytes)).toBe(hexOf(concatChunks([...fresh.encode(v)])));
    }
    expect(pool.idle).toBeGreaterThan(0);
    expect(pool.idle).toBeLessThanOrEqual(4);
  });

  it("carry the pool's release hook on the chunk generator, and none without a pool", () => {
    const v = value(3, 1);
    expect(chunkReleaseOf(knownMetCodec.encode(v))).toBeTypeOf("function");
    expect(CHUNK_RELEASE in (fresh.encode(v) as object)).toBe(false);
    expect(chunkReleaseOf(encodeKnownMet(v))).toBeUndefined();
    expect(chunkReleaseOf(encodeKnownMet(v, { pool: createChunkPool() }))).toBeTypeOf("function");
  });

  it("never share a buffer between two encodes in flight whose chunks are not released", () => {
    const pool = createChunkPool({ chunkSize: CHUNK });
    const pooled = createKnownMetCodec({ pool });
    // Warm the pool so both encodes start from recycled chunks.
    drainReleasing(pooled.encode(value(40, 9)));
    const a = pooled.encode(value(30, 1))[Symbol.iterator]();
    const b = pooled.encode(value(30, 2))[Symbol.iterator]();
    const held: { a: Uint8Array[]; b: Uint8Array[] } = { a: [], b: [] };
    for (let done = 0; done < 2; ) {
      done = 0;
      const stepA = a.next();
      if (stepA.done) done += 1;
      else held.a.push(stepA.value);
      const stepB = b.next();
      if (stepB.done) done += 1;
      else held.b.push(stepB.value);
    }
    const buffers = [...held.a, ...held.b].map((c) => c.buffer);
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(hexOf(concatChunks(held.a))).toBe(hexOf(concatChunks([...fresh.encode(value(30, 1))])));
    expect(hexOf(concatChunks(held.b))).toBe(hexOf(concatChunks([...fresh.encode(value(30, 2))])));
  });

  it("work with a consumer that never releases: each encode allocates its own chunks", () => {
    const pool = createChunkPool({ chunkSize: CHUNK });
    const pooled = createKnownMetCodec({ pool });
    const first = [...pooled.encode(value(20, 1))];
    const second = [...pooled.encode(value(20, 2))];
    const firstBuffers = new Set(first.map((c) => c.buffer));
    expect(second.some((c) => firstBuffers.has(c.buffer))).toBe(false);
    expect(hexOf(concatChunks(first))).toBe(hexOf(concatChunks([...fresh.encode(value(20, 1))])));
  });

  it("take the pool's chunk size and refuse a different one", () => {
    const pool = createChunkPool({ chunkSize: 128 });
    const chunks = [...createKnownMetCodec({ pool }).encode(value(40, 1))];
    expect(chunks.slice(0, -1).every((c) => c.byteLength === 128)).toBe(true);
    expect(() => createKnownMetCodec({ pool, chunkSize: 64 })).toThrow(RangeError);
    expect(() => createKnownMetStateCodec({ pool, chunkSize: 64 })).toThrow(RangeError);
    expect(() => createKnownMetCodec({ chunkSize: 63 })).toThrow(RangeError);
  });

  it("the state codec recycles too and stays byte-identical", () => {
    const pool = createChunkPool({ chunkSize: CHUNK });
    const state = createKnownMetStateCodec({ pool });
    for (const salt of [1, 2]) {
      const v = value(40, salt);
      const chunks = state.encode(knownMetStateFrom(v));
      expect(chunkReleaseOf(chunks)).toBeTypeOf("function");
      expect(hexOf(drainReleasing(chunks))).toBe(hexOf(concatChunks([...fresh.encode(v)])));
    }
    expect(pool.idle).toBeGreaterThan(0);
  });
});

describe("cancelled.met takes its chunks from a pool", () => {
  it("carries the release hook and encodes the same bytes after its chunks came back", () => {
    // 680 KB: a few full 256 KiB chunks.
    const entries = Array.from({ length: 40_000 }, (_, i) => ({ id: idOf(i), tags: [] }));
    const met: EmuleCancelledMet = { format: "salted", version: 1, seed: 7, entries };
    const first = drainReleasing(emuleCancelledMetCodec.encode(met));
    expect(chunkReleaseOf(emuleCancelledMetCodec.encode(met))).toBeTypeOf("function");
    const again = drainReleasing(emuleCancelledMetCodec.encode(met));
    expect(hexOf(again)).toBe(hexOf(first));
    expect(emuleCancelledMetCodec.decode(again).entries).toHaveLength(40_000);
  });
});

function idOf(i: number): Uint8Array {
  const hash = new Uint8Array(16);
  new DataView(hash.buffer).setUint32(0, i, true);
  return hash;
}
