import { describe, expect, it } from "vitest";
import { CHUNK_RELEASE, chunkReleaseOf, withChunkRelease } from "../src/sink-kit/index.js";

function* three(): Generator<Uint8Array> {
  yield new Uint8Array([1]);
  yield new Uint8Array([2]);
  yield new Uint8Array([3]);
}

describe("chunk release hook", () => {
  it("is a registered symbol, the same for every copy of core", () => {
    expect(CHUNK_RELEASE).toBe(Symbol.for("snapwrite.chunkRelease"));
  });

  it("is carried by the iterable itself and found by chunkReleaseOf", () => {
    const released: Uint8Array[] = [];
    const source = three();
    const carried = withChunkRelease(source, (c) => released.push(c));
    expect(carried).toBe(source);
    const release = chunkReleaseOf(carried);
    const chunks = [...carried];
    for (const c of chunks) release?.(c);
    expect(released).toEqual(chunks);
  });

  it("wraps an iterable that cannot take a property, sync or async", async () => {
    const released: number[] = [];
    const frozen = Object.freeze([new Uint8Array([7])]);
    const carried = withChunkRelease(frozen, (c) => released.push(c[0] as number));
    expect([...carried]).toEqual([new Uint8Array([7])]);
    chunkReleaseOf(carried)?.(new Uint8Array([7]));
    const asyncSource = Object.freeze({
      async *[Symbol.asyncIterator]() {
        yield new Uint8Array([8]);
      },
    });
    const asyncCarried = withChunkRelease(asyncSource, (c) => released.push(c[0] as number));
    const seen: Uint8Array[] = [];
    for await (const c of asyncCarried) seen.push(c);
    expect(seen).toEqual([new Uint8Array([8])]);
    chunkReleaseOf(asyncCarried)?.(new Uint8Array([8]));
    expect(released).toEqual([7, 8]);
  });

  it("is absent from a plain iterable, and withChunkRelease(x, undefined) leaves x alone", () => {
    const source = three();
    expect(chunkReleaseOf(source)).toBeUndefined();
    expect(chunkReleaseOf(null)).toBeUndefined();
    expect(chunkReleaseOf("chunks")).toBeUndefined();
    expect(withChunkRelease(source, undefined)).toBe(source);
    expect(CHUNK_RELEASE in source).toBe(false);
  });

  it("never throws to the sink when the codec's release throws", () => {
    const carried = withChunkRelease(three(), () => {
      throw new Error("release failed");
    });
    expect(() => chunkReleaseOf(carried)?.(new Uint8Array(1))).not.toThrow();
  });
});
