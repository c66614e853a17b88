import { createJsonCodec } from "@snapwrite/formats-json";
import { describe, expect, it } from "vitest";
import { jsonNative, measureCodecVersusNative, measureWarmLoad } from "../src/codec-throughput.js";

describe("measureCodecVersusNative", () => {
  it("measures the codec and the naive JSON path on the same bytes, every repeat", () => {
    const value = { files: Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, size: i })) };
    let encodes = 0;
    let decodes = 0;
    const codec = createJsonCodec<typeof value>();
    const counted = {
      name: codec.name,
      encode: (v: typeof value) => {
        encodes++;
        return codec.encode(v);
      },
      decode: (bytes: Uint8Array) => {
        decodes++;
        return codec.decode(bytes);
      },
    };
    const result = measureCodecVersusNative(counted, value, jsonNative, 3);
    expect(result.bytes).toBe(Buffer.byteLength(JSON.stringify(value)));
    expect(encodes).toBe(4);
    expect(decodes).toBe(3);
    for (const ms of [
      result.encodeMs,
      result.decodeMs,
      result.nativeEncodeMs,
      result.nativeDecodeMs,
    ]) {
      expect(ms).toBeGreaterThanOrEqual(0);
    }
    expect(result.encodeRatio).toBeGreaterThan(0);
    expect(result.decodeRatio).toBeGreaterThan(0);
    expect(jsonNative.decode(jsonNative.encode(value))).toEqual(value);
  });
});

describe("measureWarmLoad", () => {
  it("alternates the bare read and the load, after one warm-up of each", async () => {
    const calls: string[] = [];
    const result = await measureWarmLoad(
      async () => calls.push("read"),
      async () => calls.push("load"),
      2,
    );
    expect(calls).toEqual(["read", "load", "read", "load", "read", "load"]);
    expect(result.ratio).toBeGreaterThan(0);
  });
});
