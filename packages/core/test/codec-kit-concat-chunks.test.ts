import { describe, expect, it } from "vitest";
import { concatChunks } from "../src/codec-kit/index.js";

describe("concatChunks", () => {
  it("joins chunks from an array or a generator into one fresh buffer", () => {
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([3]);
    const joined = concatChunks([a, new Uint8Array(0), b]);
    expect([...joined]).toEqual([1, 2, 3]);
    joined[0] = 9;
    expect(a[0]).toBe(1);
    function* chunks() {
      yield a;
      yield b;
    }
    expect([...concatChunks(chunks())]).toEqual([1, 2, 3]);
    expect(concatChunks([])).toEqual(new Uint8Array(0));
  });

  it("refuses a non-iterable and a chunk that is not bytes with a TypeError", () => {
    expect(() => concatChunks(42 as never)).toThrow(TypeError);
    expect(() => concatChunks(null as never)).toThrow(TypeError);
    expect(() => concatChunks([new Uint8Array(1), "x" as never])).toThrow(/chunk 1/);
  });
});
