import { concatChunks } from "@snapwrite/core/codec-kit";
import { md4 } from "@snapwrite/formats-met";
import { describe, expect, it } from "vitest";
import {
  createKnownFileSpecs,
  LARGE_FILE_EVERY,
  OLD_MAX_FILE_SIZE,
  PART_SIZE,
  partHashCount,
  touchKnownFileSpec,
} from "../src/known-file-workload.js";

describe("partHashCount", () => {
  it("follows P = n ? n + 1 : 0 with n = floor(size / PART_SIZE)", () => {
    expect(partHashCount(0)).toBe(0);
    expect(partHashCount(PART_SIZE - 1)).toBe(0);
    expect(partHashCount(PART_SIZE)).toBe(2);
    expect(partHashCount(2 * PART_SIZE - 1)).toBe(2);
    expect(partHashCount(10 * PART_SIZE - 1)).toBe(10);
  });
});

describe("createKnownFileSpecs", () => {
  const specs = createKnownFileSpecs(20_000, 1234);

  it("is deterministic for a seed", () => {
    const again = createKnownFileSpecs(200, 1234);
    expect(again).toEqual(specs.slice(0, 200));
    expect(createKnownFileSpecs(200, 999)).not.toEqual(again);
  });

  it("gives every record the part-hash count its size implies", () => {
    for (const spec of specs) {
      expect(spec.partHashes.length).toBe(partHashCount(spec.size));
      expect(spec.hash.byteLength).toBe(16);
      for (const part of spec.partHashes) expect(part.byteLength).toBe(16);
    }
  });

  it("makes the file hash of a multi-part file the MD4 of its part hashes, as clients check", () => {
    const multi = specs.filter((spec) => spec.partHashes.length > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const spec of multi.slice(0, 500)) {
      expect(spec.hash).toEqual(md4(concatChunks(spec.partHashes)));
    }
  });

  it("caps ordinary files at 10 part hashes and makes one in LARGE_FILE_EVERY a file over 4 GiB", () => {
    const large = specs.filter((spec) => spec.size > OLD_MAX_FILE_SIZE);
    expect(large).toHaveLength(20_000 / LARGE_FILE_EVERY);
    for (const spec of large) expect(spec.size).toBeGreaterThan(2 ** 32);
    for (const spec of specs) {
      if (spec.size <= OLD_MAX_FILE_SIZE) expect(spec.partHashes.length).toBeLessThanOrEqual(10);
    }
  });

  it("puts non-ASCII characters in 5% of the names", () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
    const nonAscii = specs.filter((spec) => /[^\u0000-\u007f]/.test(spec.name)).length;
    expect(nonAscii / specs.length).toBeCloseTo(0.05, 3);
  });

  it("keeps accepted uploads at or below requests", () => {
    for (const spec of specs) expect(spec.accepted).toBeLessThanOrEqual(spec.requests);
  });
});

describe("touchKnownFileSpec", () => {
  it("returns a changed copy and leaves the input alone", () => {
    const [spec] = createKnownFileSpecs(1, 5);
    if (!spec) throw new Error("no spec");
    const before = { ...spec };
    const touched = touchKnownFileSpec(spec, 1_800_000_000);
    expect(touched.requests).toBe(spec.requests + 1);
    expect(touched.lastShared).toBe(1_800_000_000);
    expect(spec).toEqual(before);
  });
});
