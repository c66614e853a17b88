import {
  type ChunkPool,
  createChunkPool,
  createChunkWriter,
  withChunkRelease,
} from "@snapwrite/core/codec-kit";
import { createFaultyFs, createMemoryFs, type FsFaultPlan } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { failure } from "./helpers.js";

const DIR = "/data";
const TARGET = `${DIR}/known.met`;
const TEMP = /\/\.[a-z.]+\.[0-9]+-[0-9a-z-]+\.tmp$/;
const CHUNK = 64;
/** Two 64-byte chunks fill a batch. */
const BATCH = { maxBytes: 2 * CHUNK, maxChunks: 64 };

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Byte `at` of the payload of `seed`: differs between seeds, so a reused chunk shows. */
const byteAt = (seed: number, at: number): number => (at * 7 + seed * 31) & 0xff;

/** What a pooled source yielded and what the sink gave back through its hook. */
interface SourceLog {
  readonly yielded: ArrayBufferLike[];
  readonly released: ArrayBufferLike[];
}

/** `count` full chunks of `seed`'s payload from `pool`, carrying a release hook into the pool. */
function pooledChunks(pool: ChunkPool, count: number, seed: number, log?: SourceLog) {
  function* encode(): Generator<Uint8Array> {
    const w = createChunkWriter({ pool });
    for (let at = 0; at < count * CHUNK; at += 1) {
      w.u8(byteAt(seed, at));
      for (let c = w.takeReady(); c; c = w.takeReady()) {
        log?.yielded.push(c.buffer);
        yield c;
      }
    }
    const last = w.finish();
    if (last) yield last;
  }
  return withChunkRelease(encode(), (chunk) => {
    log?.released.push(chunk.buffer);
    pool.release(chunk);
  });
}

const newLog = (): SourceLog => ({ yielded: [], released: [] });

/** A pool that fails the test when it hands out a chunk not released yet. */
function checkedPool() {
  const inner = createChunkPool({ chunkSize: CHUNK });
  const lent = new Set<ArrayBufferLike>();
  const pool: ChunkPool = {
    chunkSize: CHUNK,
    maxChunks: inner.maxChunks,
    get idle() {
      return inner.idle;
    },
    acquire() {
      const chunk = inner.acquire();
      expect(lent.has(chunk.buffer)).toBe(false);
      lent.add(chunk.buffer);
      return chunk;
    },
    release(chunk) {
      lent.delete(chunk.buffer);
      return inner.release(chunk);
    },
  };
  return { pool, lent };
}

const expected = (count: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: count * CHUNK }, (_, at) => byteAt(seed, at));

function setup(plan: FsFaultPlan) {
  const memory = createMemoryFs({ [TARGET]: "old content" });
  const fs = createFaultyFs(memory, plan);
  const sink = createFsSink({ dir: DIR, fs, batch: BATCH });
  const file = async (path: string) => new Uint8Array(await memory.readFile(path));
  return { memory, fs, sink, file };
}

describe("sink-fs releases chunks to the source's CHUNK_RELEASE hook", () => {
  it("releases a batch only after its writev completed, and every chunk exactly once", async () => {
    const { fs, sink, file } = setup([
      { op: "writev", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { hang: true } },
    ]);
    const { pool, lent } = checkedPool();
    const log = newLog();
    const writing = sink.write("known.met", pooledChunks(pool, 6, 1, log));
    for (let batch = 0; batch < 3; batch += 1) {
      const held = await fs.waitForHang();
      await settle();
      // The held batch and the one pulled meanwhile are still out: nothing of them came back.
      expect(log.released).toEqual(log.yielded.slice(0, 2 * batch));
      fs.release(held.seq);
    }
    await writing;
    // Every yielded chunk came back once, in order (a buffer back from batch 1 may be yielded
    // again later: the checked pool fails the test if one is handed out while still lent).
    expect(log.released).toEqual(log.yielded);
    expect(log.yielded).toHaveLength(6);
    expect(lent.size).toBe(0);
    expect(await file(TARGET)).toEqual(expected(6, 1));
  });

  it("lets the next save reuse the chunks and still writes the right bytes", async () => {
    const { sink, file } = setup([]);
    const { pool } = checkedPool();
    const first = newLog();
    await sink.write("known.met", pooledChunks(pool, 8, 1, first));
    const second = newLog();
    await sink.write("known.met", pooledChunks(pool, 8, 2, second));
    expect(await file(TARGET)).toEqual(expected(8, 2));
    expect(second.yielded.filter((b) => first.yielded.includes(b)).length).toBeGreaterThan(0);
  });

  it("never lets two concurrent saves of two targets share a buffer", async () => {
    const { fs, sink, file } = setup([
      { op: "writev", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { hang: true } },
    ]);
    const { pool, lent } = checkedPool();
    const a = sink.write("a.met", pooledChunks(pool, 10, 1));
    const b = sink.write("b.met", pooledChunks(pool, 10, 2));
    let done = false;
    Promise.all([a, b]).finally(() => {
      done = true;
    });
    // Let the two writes take turns: each writev runs only once both writes have a batch held.
    while (!done) {
      await settle();
      const hanging = fs.hanging;
      if (hanging.length === 0) continue;
      fs.release((hanging[hanging.length - 1] as { seq: number }).seq);
    }
    await Promise.all([a, b]);
    expect(await file(`${DIR}/a.met`)).toEqual(expected(10, 1));
    expect(await file(`${DIR}/b.met`)).toEqual(expected(10, 2));
    expect(lent.size).toBe(0);
  });

  it("does not release a batch whose writev failed, but the batch it never wrote", async () => {
    const { fs, sink, memory } = setup([
      { op: "writev", path: TEMP, nth: 1, fault: { hang: true } },
      { op: "writev", path: TEMP, nth: 2, fault: { error: "EIO" } },
    ]);
    const { pool } = checkedPool();
    const log = newLog();
    const writing = sink.write("known.met", pooledChunks(pool, 10, 1, log));
    const held = await fs.waitForHang();
    await settle();
    fs.release(held.seq);
    const error = await failure(writing);
    expect(error).toMatchObject({ code: "ERR_IO", stage: "write" });
    // Batch 1 (chunks 0, 1) was written, batch 2 (2, 3) failed in its writev: not released. What
    // was pulled after it was never given to a writev: released.
    const [c0, c1, c2, c3, ...rest] = log.yielded;
    expect(log.released).toEqual([c0, c1, ...rest]);
    expect(c2).toBeDefined();
    expect(c3).toBeDefined();
    expect(memory.toJSON()[TARGET]).toBe("old content");
  });

  it("on abort releases the batch in flight only once its writev finished", async () => {
    const { fs, sink, memory } = setup([{ op: "writev", path: TEMP, fault: { hang: true } }]);
    const { pool } = checkedPool();
    const log = newLog();
    const controller = new AbortController();
    const writing = sink.write("known.met", pooledChunks(pool, 10, 1, log), {
      signal: controller.signal,
    });
    const held = await fs.waitForHang();
    controller.abort(new Error("shutting down"));
    await settle();
    expect(log.released).toEqual([]);
    fs.release(held.seq);
    const error = await failure(writing);
    expect(error).toMatchObject({ code: "ERR_ABORTED" });
    // The two chunks written, then whatever was pulled and never given to a writev.
    expect(fs.calls.filter((c) => c.op === "writev")).toHaveLength(1);
    expect(log.yielded.length).toBeGreaterThanOrEqual(2);
    expect(log.released).toEqual(log.yielded);
    expect(memory.toJSON()[TARGET]).toBe("old content");
  });

  it("writes a source without a release hook as before", async () => {
    const { sink, file } = setup([]);
    const pool = createChunkPool({ chunkSize: CHUNK });
    const plain = [...pooledChunks(pool, 3, 4)];
    await sink.write("known.met", plain);
    expect(await file(TARGET)).toEqual(expected(3, 4));
    expect(pool.idle).toBe(1);
  });
});
