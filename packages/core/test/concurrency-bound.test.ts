import { describe, expect, it } from "vitest";
import { type Codec, createPersistenceWriter, loadTargets, type Sink } from "../src/index.js";
import { FakeSink } from "./support/fakes.js";

const TOO_MANY = [1025, 2 ** 53, 1e300];

describe("concurrency: an integer in 1..1024, or Infinity", () => {
  it("the writer refuses a larger finite one with a RangeError, never clamping it", () => {
    const sink = new FakeSink();
    for (const concurrency of TOO_MANY) {
      expect(() => createPersistenceWriter({ sink, concurrency })).toThrow(
        new RangeError(`concurrency must be <= 1024, got ${concurrency}`),
      );
    }
    expect(createPersistenceWriter({ sink, concurrency: 1024 }).health().closed).toBe(false);
    const unbounded = createPersistenceWriter({ sink, concurrency: Number.POSITIVE_INFINITY });
    expect(unbounded.health().closed).toBe(false);
  });

  it("loadTargets rejects a larger finite one before reading anything", async () => {
    const reads: string[] = [];
    const sink = {
      read: async (target: string) => {
        reads.push(target);
        return new TextEncoder().encode("A");
      },
    } as unknown as Sink;
    const codec: Codec<string> = {
      name: "text",
      encode: () => [],
      decode: (bytes) => new TextDecoder().decode(bytes),
    };
    const spec = { sink, target: "a", codec };
    for (const concurrency of TOO_MANY) {
      await expect(loadTargets([spec], { concurrency })).rejects.toThrow(
        new RangeError(`concurrency must be <= 1024, got ${concurrency}`),
      );
    }
    expect(reads).toEqual([]);
    const [loaded] = await loadTargets([spec], { concurrency: 1024 });
    expect(loaded).toMatchObject({ ok: true, value: "A" });
    expect(reads).toEqual(["a"]);
  });
});
