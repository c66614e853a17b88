import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { computeEd2kHashes } from "../src/hash/compute-ed2k-hashes.js";
import { md4 } from "../src/hash/md4.js";
import { toHex } from "./support/corrupt.js";

describe("computeEd2kHashes sources", () => {
  it("hashes an empty source: MD4 of nothing, no part hashes, one AICH leaf", async () => {
    const result = await computeEd2kHashes(new Uint8Array(0));
    expect(result.size).toBe(0);
    expect(toHex(result.hash)).toBe("31D6CFE0D16AE931B73C59D7E0C089C0");
    expect(result.partHashes).toEqual([]);
    expect(result.aich.leaves.length).toBe(20);
    expect(toHex(result.aich.root)).toBe("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
  });

  it("uses MD4 of the data as the file hash below one part", async () => {
    const data = new TextEncoder().encode("a small file\n");
    const result = await computeEd2kHashes(
      (async function* () {
        yield data.subarray(0, 5);
        yield data.subarray(5);
      })(),
    );
    expect(toHex(result.hash)).toBe(toHex(md4(data)));
    expect(result.size).toBe(data.length);
  });

  it("passes a stream's error through unchanged", async () => {
    const failure = new Error("disk on fire");
    const stream = new Readable({
      read() {
        this.destroy(failure);
      },
    });
    await expect(computeEd2kHashes(stream)).rejects.toBe(failure);
  });

  it("refuses a stream that yields strings and a source that is not iterable", async () => {
    await expect(computeEd2kHashes(Readable.from(["text"], { objectMode: true }))).rejects.toThrow(
      TypeError,
    );
    await expect(computeEd2kHashes(42 as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });
});
