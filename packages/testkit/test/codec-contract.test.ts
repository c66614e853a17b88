import { PersistenceError } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { withPristineSamples } from "../src/checks/codec-encode-checks.js";
import {
  type CodecContractOptions,
  checkCodecChunkHandover,
  checkCodecDoesNotMutate,
  checkCodecEncodeKeepsInput,
  checkCodecFuzz,
  checkCodecInvalid,
  checkCodecSamples,
  checkCodecStableBytes,
  decodeUnderGuard,
  describeCodecContract,
  guardAllocations,
} from "../src/contract.js";
import { createListCodec } from "./fixtures/length-prefixed-codec.js";

const golden = new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0, 0x61, 2, 0, 0, 0, 0x62, 0x63]);

const options = (codec = createListCodec()): CodecContractOptions<string[]> => ({
  codec,
  samples: [
    { value: ["a", "bc"], bytes: golden },
    { value: [] },
    { value: ["", "ünïcödé", "x".repeat(300)] },
  ],
  invalid: [new Uint8Array([1, 0, 0]), new Uint8Array([9, 0, 0, 0]), golden.subarray(0, 10)],
});

describeCodecContract("list codec (fixture)", { ...options(), fuzz: { numRuns: 200 } });

describe("the codec checks catch broken codecs", () => {
  it("takes ERR_UNSUPPORTED (damage that reads as another format version) but no other code", () => {
    const throwing = (code: "ERR_UNSUPPORTED" | "ERR_IO") => ({
      name: "versioned",
      *encode() {},
      decode(): never {
        throw new PersistenceError(code, "version 9 is newer than 1", {
          details: { reason: "unsupported-version" },
        });
      },
    });
    const input = new Uint8Array([9]);
    expect(() => decodeUnderGuard(throwing("ERR_UNSUPPORTED"), input)).not.toThrow();
    expect(() => decodeUnderGuard(throwing("ERR_IO"), input)).toThrow(
      /threw PersistenceError ERR_IO.*only PersistenceError ERR_CORRUPT or ERR_UNSUPPORTED is allowed/,
    );
  });

  it("catches a codec that throws RangeError on truncated input", () => {
    expect(() =>
      checkCodecFuzz(options(createListCodec("range-error-on-truncation")), { numRuns: 200 }),
    ).toThrow(/threw RangeError.*only PersistenceError ERR_CORRUPT or ERR_UNSUPPORTED is allowed/);
  });

  it("catches a codec that allocates what a length field claims", () => {
    expect(() =>
      checkCodecFuzz(options(createListCodec("trusts-length")), { numRuns: 200 }),
    ).toThrow(
      /requested new (Array|Uint8Array) of \d+ bytes .*length field beyond the input's size/,
    );
  });

  it("catches a codec that mutates its input", () => {
    expect(() => checkCodecDoesNotMutate(options(createListCodec("mutates-input")))).toThrow(
      /input 0 was modified by decode/,
    );
  });

  it("catches a codec that rewrites a chunk after yielding it, which the byte checks miss", () => {
    const broken = options(createListCodec("reuses-buffer"));
    checkCodecSamples(broken);
    checkCodecStableBytes(broken);
    expect(() => checkCodecChunkHandover(broken)).toThrow(
      /checkCodecChunkHandover: .*sample 0: chunk 0 of 4 changed after it was yielded/,
    );
  });

  it("catches a codec whose encode sorts the caller's array in place", () => {
    const broken = options(createListCodec("sorts-input"));
    checkCodecSamples(options(createListCodec("sorts-input")));
    expect(() => checkCodecEncodeKeepsInput(broken)).toThrow(
      /checkCodecEncodeKeepsInput: .*sample 2: encode modified the value it was given/,
    );
    expect(broken.samples[2]?.value).toEqual(["", "x".repeat(300), "ünïcödé"]);
  });

  it("the round-trip suite's copies still catch a sort that the earlier checks already made", () => {
    const broken = options(createListCodec("sorts-input"));
    const untouched = withPristineSamples(broken);
    checkCodecSamples(broken);
    // The earlier check sorted the original samples: sorting them again changes nothing.
    expect(() => checkCodecEncodeKeepsInput(broken)).not.toThrow();
    expect(() => checkCodecEncodeKeepsInput(untouched)).toThrow(
      /checkCodecEncodeKeepsInput: .*sample 2: encode modified the value it was given/,
    );
  });

  it("catches a codec whose bytes are not stable", () => {
    expect(() => checkCodecStableBytes(options(createListCodec("unstable")))).toThrow(
      /two encodings differ/,
    );
    expect(() => checkCodecSamples(options(createListCodec("unstable")))).toThrow(/golden bytes/);
  });

  it("catches a codec whose decode is too slow on damaged input", () => {
    expect(() =>
      checkCodecFuzz(options(createListCodec("slow-on-flip")), {
        numRuns: 50,
        decodeTimeLimitMs: 20,
      }),
    ).toThrow(/took \d+ ms \(limit 20 ms\)/);
  });

  it("catches an invalid input that decodes instead of failing", () => {
    expect(() =>
      checkCodecInvalid({ ...options(), invalid: [new Uint8Array([0, 0, 0, 0])] }),
    ).toThrow(/must throw ERR_CORRUPT, got a value \[\]/);
  });
});

describe("guardAllocations", () => {
  it("refuses a single request above the limit without performing it", () => {
    const report = guardAllocations(1024, () => new Uint8Array(2 ** 32));
    expect(report.refused).toEqual({ what: "new Uint8Array", bytes: 2 ** 32 });
    expect(report.threw).toBe(false);
  });

  it("lets small allocations through and restores the globals", () => {
    const original = Uint8Array;
    const report = guardAllocations(1024, () => {
      const a = new Uint8Array(16);
      const b = Buffer.alloc(32);
      return a.byteLength + b.byteLength;
    });
    expect(report.result).toBe(48);
    expect(report.largest).toBe(32);
    expect(globalThis.Uint8Array).toBe(original);
    expect(new Uint8Array(4)).toBeInstanceOf(original);
  });

  it("reports a thrown error", () => {
    const boom = new Error("boom");
    const report = guardAllocations(1024, () => {
      throw boom;
    });
    expect(report).toMatchObject({ threw: true, error: boom });
  });
});
