import { describe, it } from "vitest";
import {
  type CodecContractOptions,
  checkCodecDoesNotMutate,
  checkCodecInvalid,
  checkCodecSamples,
  checkCodecStableBytes,
} from "../checks/codec-checks.js";
import {
  checkCodecChunkHandover,
  checkCodecEncodeKeepsInput,
  withPristineSamples,
} from "../checks/codec-encode-checks.js";
import { type CodecFuzzOptions, checkCodecFuzz } from "../checks/codec-fuzz.js";
import { assertSuiteArguments } from "./suite-arguments.js";

/** Options of {@link describeCodecContract}. */
export interface CodecSuiteOptions<T> extends CodecContractOptions<T> {
  /** Fuzzing settings. */
  readonly fuzz?: CodecFuzzOptions | undefined;
  /** Per-test timeout in ms. Default 60 000. */
  readonly timeoutMs?: number | undefined;
}

/** Golden samples, stable bytes, chunk handover and input immutability (encode and decode). */
export function describeCodecRoundTrip<T>(label: string, options: CodecSuiteOptions<T>): void {
  assertSuiteArguments("describeCodecRoundTrip", label, options, CODEC_SUITE_OPTIONS);
  // Copies taken before any check encodes a sample: a mutation that gives the same result twice
  // (a sort) would otherwise already have happened in the earlier checks and go unseen.
  const untouched = withPristineSamples(options);
  describe(`${label}: round trip`, () => {
    it("encodes the samples to their golden bytes and decodes them back", () =>
      checkCodecSamples(options));
    it("encodes the same value to the same bytes every time", () => checkCodecStableBytes(options));
    it("never mutates the bytes it decodes", () => checkCodecDoesNotMutate(options));
    it("hands each encoded chunk over and never touches it again", () =>
      checkCodecChunkHandover(options));
    it("never mutates the value it encodes", () => checkCodecEncodeKeepsInput(untouched));
  });
}

/** Invalid inputs are refused with `ERR_CORRUPT` and an offset. */
export function describeCodecInvalidInput<T>(label: string, options: CodecSuiteOptions<T>): void {
  assertSuiteArguments("describeCodecInvalidInput", label, options, CODEC_SUITE_OPTIONS);
  describe(`${label}: invalid input`, () => {
    it.skipIf((options.invalid ?? []).length === 0)(
      "refuses each invalid input with ERR_CORRUPT and details.offset",
      () => checkCodecInvalid(options),
    );
  });
}

/** Fuzzing: truncations, bit flips, random bytes, absurd lengths. */
export function describeCodecFuzz<T>(label: string, options: CodecSuiteOptions<T>): void {
  assertSuiteArguments("describeCodecFuzz", label, options, CODEC_SUITE_OPTIONS);
  describe(`${label}: fuzzing`, () => {
    it(
      "throws only ERR_CORRUPT on damaged input, in bounded time and memory",
      () => checkCodecFuzz(options, options.fuzz),
      options.timeoutMs ?? 60_000,
    );
  });
}

/**
 * The codec contract: golden samples round trip (bytes and values), stable bytes, encode hands
 * each chunk over and never touches it again, neither encode nor decode mutates its input, invalid inputs give `ERR_CORRUPT`, and fuzzing finds no other exception,
 * no hang and no allocation driven by a length field beyond the input's size.
 */
export function describeCodecContract<T>(label: string, options: CodecSuiteOptions<T>): void {
  assertSuiteArguments("describeCodecContract", label, options, CODEC_SUITE_OPTIONS);
  describeCodecRoundTrip(label, options);
  describeCodecInvalidInput(label, options);
  describeCodecFuzz(label, options);
}

const CODEC_SUITE_OPTIONS = Object.freeze({
  codec: "object",
  samples: "array",
  invalid: "array?",
  equals: "function?",
  fuzz: "object?",
  timeoutMs: "number?",
} as const);
