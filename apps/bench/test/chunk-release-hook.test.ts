import { CHUNK_RELEASE as CORE_CHUNK_RELEASE, chunkReleaseOf } from "@snapwrite/core/sink-kit";
import { describe, expect, it } from "vitest";
import { CHUNK_RELEASE, withReleaseOf } from "../src/chunk-release-hook.js";

describe("the bench's codec wrappers keep the chunk release hook", () => {
  it("reads the symbol core registers", () => {
    expect(CHUNK_RELEASE).toBe(CORE_CHUNK_RELEASE);
  });

  it("a wrapper gets the hook of the chunks it wraps, so a sink can give them back", () => {
    const released: Uint8Array[] = [];
    const chunks = Object.defineProperty([new Uint8Array(4)], CHUNK_RELEASE, {
      value: (chunk: Uint8Array) => released.push(chunk),
    });
    const wrapper = withReleaseOf({ [Symbol.iterator]: () => chunks[Symbol.iterator]() }, chunks);
    const release = chunkReleaseOf(wrapper);
    expect(release).toBeTypeOf("function");
    release?.(chunks[0] as Uint8Array);
    expect(released).toEqual([chunks[0]]);
  });

  it("chunks without a hook leave the wrapper without one", () => {
    const wrapper = withReleaseOf({ [Symbol.iterator]: () => [][Symbol.iterator]() }, [1]);
    expect(chunkReleaseOf(wrapper)).toBeUndefined();
    expect(withReleaseOf({}, null)).toEqual({});
  });
});
