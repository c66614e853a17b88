import { isDeepStrictEqual } from "node:util";
import { type Codec, isPersistenceError } from "@snapwrite/core";
import { describeBytes, describeError, ensure, sameBytes } from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";

/** A golden sample: a value and, optionally, its exact encoding. */
export interface CodecSample<T> {
  /** The value. */
  readonly value: T;
  /** Its exact bytes, when the format is pinned (golden file). */
  readonly bytes?: Uint8Array | undefined;
}

/** Inputs of the codec checks. */
export interface CodecContractOptions<T> {
  /** The codec under test. */
  readonly codec: Codec<T>;
  /** Golden samples; at least one. Their encodings seed the fuzzers. */
  readonly samples: readonly CodecSample<T>[];
  /** Inputs that must be refused with `ERR_CORRUPT`. */
  readonly invalid?: readonly Uint8Array[] | undefined;
  /** Value equality. Default `node:util` `isDeepStrictEqual`. */
  readonly equals?: ((a: T, b: T) => boolean) | undefined;
}

/** Concatenates a codec's chunks. */
export function encodeToBytes<T>(codec: Codec<T>, value: T): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const chunk of codec.encode(value)) {
    if (!(chunk instanceof Uint8Array)) {
      throw new ContractViolation("encode", `${codec.name}: encode yielded a non-Uint8Array chunk`);
    }
    chunks.push(chunk.slice());
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function equalsOf<T>(options: CodecContractOptions<T>): (a: T, b: T) => boolean {
  return options.equals ?? ((a, b) => isDeepStrictEqual(a, b));
}

function show(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

/** Golden samples: each value encodes to its pinned bytes, and both decode back to the value. */
export function checkCodecSamples<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecSamples";
  const { codec, samples } = options;
  const equals = equalsOf(options);
  ensure(check, samples.length > 0, "give at least one sample");
  samples.forEach((sample, i) => {
    const bytes = encodeToBytes(codec, sample.value);
    if (sample.bytes !== undefined) {
      ensure(
        check,
        sameBytes(bytes, sample.bytes),
        `sample ${i}: encode gave ${describeBytes(bytes)}, the golden bytes are ${describeBytes(sample.bytes)}`,
      );
      const fromGolden = codec.decode(sample.bytes.slice());
      ensure(
        check,
        equals(fromGolden, sample.value),
        `sample ${i}: decoding the golden bytes gave ${show(fromGolden)}, expected ${show(sample.value)}`,
      );
    }
    const decoded = codec.decode(bytes);
    ensure(
      check,
      equals(decoded, sample.value),
      `sample ${i}: round trip gave ${show(decoded)}, expected ${show(sample.value)}`,
    );
  });
}

/** Stable bytes: encoding the same value twice gives identical bytes. */
export function checkCodecStableBytes<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecStableBytes";
  options.samples.forEach((sample, i) => {
    const first = encodeToBytes(options.codec, sample.value);
    const second = encodeToBytes(options.codec, sample.value);
    ensure(
      check,
      sameBytes(first, second),
      `sample ${i}: two encodings differ (${describeBytes(first)} vs ${describeBytes(second)})`,
    );
  });
}

/** Decode never mutates its input, valid or not. */
export function checkCodecDoesNotMutate<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecDoesNotMutate";
  const inputs = [
    ...options.samples.map((sample) => sample.bytes ?? encodeToBytes(options.codec, sample.value)),
    ...(options.invalid ?? []),
  ];
  inputs.forEach((input, i) => {
    const copy = input.slice();
    try {
      options.codec.decode(copy);
    } catch {
      // Only the bytes matter here; error shapes are checked elsewhere.
    }
    ensure(check, sameBytes(copy, input), `input ${i} was modified by decode`);
  });
}

/** Explicitly invalid inputs are refused with `PersistenceError` `ERR_CORRUPT` carrying `details.offset`. */
export function checkCodecInvalid<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecInvalid";
  (options.invalid ?? []).forEach((input, i) => {
    let outcome: unknown;
    try {
      const value = options.codec.decode(input.slice());
      outcome = { value };
    } catch (error) {
      outcome = error;
    }
    if (!isPersistenceError(outcome, "ERR_CORRUPT")) {
      throw new ContractViolation(
        check,
        `invalid input ${i} (${describeBytes(input)}) must throw ERR_CORRUPT, got ${
          outcome instanceof Error
            ? describeError(outcome)
            : `a value ${show((outcome as { value: unknown }).value)}`
        }`,
      );
    }
    const offset = outcome.details?.offset;
    ensure(
      check,
      typeof offset === "number" && offset >= 0 && offset <= input.byteLength,
      `invalid input ${i}: ERR_CORRUPT must carry details.offset within the input, got ${String(offset)}`,
    );
  });
}
