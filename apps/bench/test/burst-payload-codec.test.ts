import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createBurstPayloadCodec } from "../src/burst-payload-codec.js";

describe("createBurstPayloadCodec", () => {
  const codec = createBurstPayloadCodec(64);

  it("round-trips the sequence number in a payload of the configured size", () => {
    const bytes = concatChunks(codec.encode({ seq: 123_456 }));
    expect(bytes.byteLength).toBe(64);
    expect(codec.decode(bytes)).toEqual({ seq: 123_456 });
  });

  it("hands out a fresh buffer per encoding", () => {
    const a = concatChunks(codec.encode({ seq: 1 }));
    const b = concatChunks(codec.encode({ seq: 2 }));
    expect(a).not.toEqual(b);
    expect(codec.decode(a)).toEqual({ seq: 1 });
  });

  it("rejects a truncated or altered payload with ERR_CORRUPT and the offset", () => {
    const bytes = concatChunks(codec.encode({ seq: 5 }));
    let error: unknown;
    try {
      codec.decode(bytes.subarray(0, 10));
    } catch (caught) {
      error = caught;
    }
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    const altered = new Uint8Array(bytes);
    altered[40] = (altered[40] ?? 0) ^ 0xff;
    try {
      codec.decode(altered);
      error = undefined;
    } catch (caught) {
      error = caught;
    }
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    expect((error as { details?: { offset?: number } }).details?.offset).toBe(40);
  });

  it("refuses a size too small to carry the sequence number", () => {
    expect(() => createBurstPayloadCodec(4)).toThrow(RangeError);
  });
});
