import { describe, expect, it } from "vitest";
import { concatChunks, createChunkPool, createChunkWriter } from "../src/codec-kit/index.js";

describe("createChunkPool", () => {
  it("does not hand a chunk out again until it is released", () => {
    const pool = createChunkPool({ chunkSize: 64, maxChunks: 4 });
    const a = pool.acquire();
    const b = pool.acquire();
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.byteLength).toBe(64);
    expect(pool.release(a)).toBe(true);
    expect(pool.idle).toBe(1);
    const c = pool.acquire();
    expect(c.buffer).toBe(a.buffer);
    expect(pool.acquire().buffer).not.toBe(b.buffer);
  });

  it("takes a view of a lent chunk back as the whole chunk", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const a = pool.acquire();
    expect(pool.release(a.subarray(10, 20))).toBe(true);
    const again = pool.acquire();
    expect(again.buffer).toBe(a.buffer);
    expect(again.byteOffset).toBe(0);
    expect(again.byteLength).toBe(64);
  });

  it("ignores a second release, a foreign chunk and a chunk of another pool", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const other = createChunkPool({ chunkSize: 64 });
    const a = pool.acquire();
    expect(pool.release(a)).toBe(true);
    expect(pool.release(a)).toBe(false);
    expect(pool.release(new Uint8Array(64))).toBe(false);
    expect(pool.release(other.acquire())).toBe(false);
    expect(pool.idle).toBe(1);
    // Released twice, handed out once: the two next chunks are distinct.
    expect(pool.acquire().buffer).not.toBe(pool.acquire().buffer);
  });

  it("keeps at most maxChunks idle and allocates when none is idle", () => {
    const pool = createChunkPool({ chunkSize: 64, maxChunks: 2 });
    const lent = [pool.acquire(), pool.acquire(), pool.acquire()];
    expect(lent.map((c) => pool.release(c))).toEqual([true, true, false]);
    expect(pool.idle).toBe(2);
    const buffers = new Set([pool.acquire().buffer, pool.acquire().buffer, pool.acquire().buffer]);
    expect(buffers.size).toBe(3);
    expect(pool.idle).toBe(0);
  });

  it("does not take back a chunk whose memory was transferred away", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const a = pool.acquire();
    structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
    expect(pool.release(a)).toBe(false);
    expect(pool.idle).toBe(0);
  });

  it("refuses bad options with RangeError", () => {
    expect(() => createChunkPool({ chunkSize: 63 })).toThrow(RangeError);
    expect(() => createChunkPool({ maxChunks: 0 })).toThrow(RangeError);
    expect(() => createChunkPool({ maxChunks: 1.5 })).toThrow(RangeError);
  });
});

describe("createChunkWriter with a pool", () => {
  function writeAll(pool: ReturnType<typeof createChunkPool>, bytes: number): Uint8Array[] {
    const w = createChunkWriter({ pool });
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes; i++) {
      w.u8(i & 0xff);
      for (let c = w.takeReady(); c; c = w.takeReady()) chunks.push(c);
    }
    const last = w.finish();
    if (last) chunks.push(last);
    return chunks;
  }

  it("takes its chunks from the pool and reuses the ones released", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const first = writeAll(pool, 200);
    expect(first.map((c) => c.length)).toEqual([64, 64, 64, 8]);
    expect(concatChunks(first)).toEqual(Uint8Array.from({ length: 200 }, (_, i) => i & 0xff));
    // The partial last chunk is a copy: its pooled chunk went back at once.
    expect(pool.idle).toBe(1);
    for (const c of first) pool.release(c);
    expect(pool.idle).toBe(4);
    const second = writeAll(pool, 200);
    const reused = new Set(first.slice(0, 3).map((c) => c.buffer));
    expect(second.slice(0, 3).every((c) => reused.has(c.buffer))).toBe(true);
    expect(concatChunks(second)).toEqual(Uint8Array.from({ length: 200 }, (_, i) => i & 0xff));
  });

  it("never hands out a chunk still held by an earlier writer that did not release it", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const kept = writeAll(pool, 640);
    const next = writeAll(pool, 640);
    const keptBuffers = new Set(kept.map((c) => c.buffer));
    expect(next.some((c) => keptBuffers.has(c.buffer))).toBe(false);
    expect(concatChunks(kept)).toEqual(concatChunks(next));
  });

  it("gives the unused chunk back when finish() has nothing left", () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const chunks = writeAll(pool, 128);
    expect(chunks.map((c) => c.length)).toEqual([64, 64]);
    expect(pool.idle).toBe(1);
  });

  it("takes the pool's chunk size and refuses a different one or zeroFill", () => {
    const pool = createChunkPool({ chunkSize: 128 });
    expect(createChunkWriter({ pool }).chunkSize).toBe(128);
    expect(createChunkWriter({ pool, chunkSize: 128 }).chunkSize).toBe(128);
    expect(() => createChunkWriter({ pool, chunkSize: 64 })).toThrow(RangeError);
    expect(() => createChunkWriter({ pool, zeroFill: true })).toThrow(RangeError);
  });
});
