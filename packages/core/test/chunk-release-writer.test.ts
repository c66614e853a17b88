import { describe, expect, it } from "vitest";
import { createChunkPool, createChunkWriter, withChunkRelease } from "../src/codec-kit/index.js";
import {
  type Codec,
  createPersistenceWriter,
  createSlicedExecutor,
  type Sink,
  type SinkWriteResult,
} from "../src/index.js";
import { chunkReleaseOf } from "../src/sink-kit/index.js";
import { FakeClock } from "./support/fakes.js";

/** A codec of `n` bytes in 64-byte chunks from `pool`, carrying the pool's release hook. */
function pooledCodec(pool: ReturnType<typeof createChunkPool>, fail = false): Codec<number> {
  function* encode(n: number): Generator<Uint8Array> {
    const w = createChunkWriter({ pool });
    for (let i = 0; i < n; i++) {
      w.u8(i & 0xff);
      if (fail && i === 100) throw new Error("codec broke");
      for (let c = w.takeReady(); c; c = w.takeReady()) yield c;
    }
    const last = w.finish();
    if (last) yield last;
  }
  return {
    name: "pooled",
    encode: (n) => withChunkRelease(encode(n), pool.release),
    decode: () => 0,
  };
}

/** A sink that keeps copies of what it got and releases each chunk once it has copied it. */
class ReleasingSink implements Sink {
  readonly capabilities = {
    atomicReplace: true,
    durable: false,
    backup: false,
    crossProcessLock: false,
    fencing: false,
  };
  sawHook = false;
  stored: number[] = [];

  async write(
    _target: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  ): Promise<SinkWriteResult> {
    const release = chunkReleaseOf(chunks);
    this.sawHook = release !== undefined;
    const copy: number[] = [];
    for await (const chunk of chunks) {
      copy.push(...chunk);
      release?.(chunk);
    }
    this.stored = copy;
    return { bytes: copy.length, durable: false };
  }

  async read(): Promise<Uint8Array> {
    return Uint8Array.from(this.stored);
  }
}

const expected = (n: number): number[] => Array.from({ length: n }, (_, i) => i & 0xff);

describe("the chunk release hook through the writer", () => {
  for (const executor of ["inline", "sliced"] as const) {
    it(`reaches the sink through the ${executor} executor, so chunks are recycled`, async () => {
      const pool = createChunkPool({ chunkSize: 64, maxChunks: 8 });
      const sink = new ReleasingSink();
      const writer = createPersistenceWriter({ sink, clock: new FakeClock(), executor });
      const handle = writer.register("t", { snapshot: () => 1000, codec: pooledCodec(pool) });
      const result = await handle.saveNow("go");
      expect(result.ok).toBe(true);
      expect(sink.sawHook).toBe(true);
      expect(sink.stored).toEqual(expected(1000));
      // One chunk in the codec's hands at a time, given back as soon as the sink copied it.
      expect(pool.idle).toBe(2);
      await writer.close();
    });
  }

  it("passes through a custom sliced executor's wrapper too", async () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const sink = new ReleasingSink();
    const executor = createSlicedExecutor({ budgetMs: 0.001 });
    const writer = createPersistenceWriter({ sink, clock: new FakeClock(), executor });
    const handle = writer.register("t", { snapshot: () => 300, codec: pooledCodec(pool) });
    expect((await handle.saveNow("go")).ok).toBe(true);
    expect(sink.sawHook).toBe(true);
    expect(sink.stored).toEqual(expected(300));
    await writer.close();
  });

  it("keeps a codec failure while the sink pulls an ERR_ENCODE at stage encode", async () => {
    const pool = createChunkPool({ chunkSize: 64 });
    const writer = createPersistenceWriter({
      sink: new ReleasingSink(),
      clock: new FakeClock(),
      executor: "sliced",
    });
    const handle = writer.register("t", { snapshot: () => 1000, codec: pooledCodec(pool, true) });
    const result = await handle.saveNow("go");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.stage).toBe("encode");
      expect(result.error.code).toBe("ERR_ENCODE");
    }
    await writer.close();
  });
});
