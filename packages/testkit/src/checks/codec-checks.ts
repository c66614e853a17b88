import { isDeepStrictEqual } from "node:util";
import { type Codec, isPersistenceError } from "@snapwrite/core";
import fc from "fast-check";
import { guardAllocations } from "./allocation-guard.js";
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

/** Options of {@link checkCodecFuzz}. */
export interface CodecFuzzOptions {
  /** Runs per fuzzer (truncation, bit flips, random bytes, absurd lengths). Default 300. */
  readonly numRuns?: number | undefined;
  /** fast-check seed, for reproducible runs. Default 42. */
  readonly seed?: number | undefined;
  /** Largest single allocation a decode of `inputBytes` bytes may request. Default `64 KiB + 16 × inputBytes`. */
  readonly allocationLimit?: ((inputBytes: number) => number) | undefined;
  /** Longest a single decode may take before it counts as a hang, in ms. Default 2000. */
  readonly decodeTimeLimitMs?: number | undefined;
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

/**
 * Decodes `input` under the fuzzing rules: returns normally when the decode returned a value or
 * threw `ERR_CORRUPT`, or `ERR_UNSUPPORTED` (damage can turn a version field into another version's,
 * which a versioned codec rightly refuses as intact data it cannot read); throws a {@link ContractViolation} for any other exception, an allocation
 * beyond the limit, or a decode slower than the time limit.
 */
export function decodeUnderGuard<T>(
  codec: Codec<T>,
  input: Uint8Array,
  options: CodecFuzzOptions = {},
): void {
  const check = "checkCodecFuzz";
  const limit = (options.allocationLimit ?? ((n: number) => 65_536 + 16 * n))(input.byteLength);
  const timeLimit = options.decodeTimeLimitMs ?? 2000;
  const started = performance.now();
  const report = guardAllocations(limit, () => codec.decode(input));
  const took = performance.now() - started;
  if (report.refused !== undefined) {
    throw new ContractViolation(
      check,
      `${codec.name}: decoding ${describeBytes(input)} requested ${report.refused.what} of ${report.refused.bytes} bytes (limit ${limit}): an allocation driven by a length field beyond the input's size`,
    );
  }
  if (
    report.threw &&
    !isPersistenceError(report.error, "ERR_CORRUPT") &&
    !isPersistenceError(report.error, "ERR_UNSUPPORTED")
  ) {
    throw new ContractViolation(
      check,
      `${codec.name}: decoding ${describeBytes(input)} threw ${describeError(report.error)}; only PersistenceError ERR_CORRUPT or ERR_UNSUPPORTED is allowed`,
      { cause: report.error },
    );
  }
  if (took > timeLimit) {
    throw new ContractViolation(
      check,
      `${codec.name}: decoding ${describeBytes(input)} took ${Math.round(took)} ms (limit ${timeLimit} ms)`,
    );
  }
}

const ABSURD_VALUES = [
  0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0x10000000, 0x01000000, 0x00100000,
];

function patch(bytes: Uint8Array, offset: number, value: number, width: number, little: boolean) {
  const out = bytes.slice();
  for (let i = 0; i < width && offset + i < out.byteLength; i++) {
    const shift = little ? i : width - 1 - i;
    out[offset + i] = shift >= 4 ? 0 : (value >>> (8 * shift)) & 0xff;
  }
  return out;
}

/**
 * Fuzzing with fast-check from the samples' encodings: every truncation (sampled when long), bit
 * flips, random bytes, and absurd counts/lengths patched in at every width and endianness. Each
 * decode must return a value or throw `ERR_CORRUPT` (or `ERR_UNSUPPORTED`), without a large allocation and in bounded time.
 */
export function checkCodecFuzz<T>(
  options: CodecContractOptions<T>,
  fuzz: CodecFuzzOptions = {},
): void {
  const { codec } = options;
  const numRuns = fuzz.numRuns ?? 300;
  const seed = fuzz.seed ?? 42;
  const seeds = options.samples.map((sample) => sample.bytes ?? encodeToBytes(codec, sample.value));
  const decode = (input: Uint8Array) => decodeUnderGuard(codec, input, fuzz);
  for (const bytes of seeds) {
    const step = Math.max(1, Math.floor(bytes.byteLength / 512));
    for (let length = 0; length < bytes.byteLength; length += step) {
      decode(bytes.slice(0, length));
    }
  }
  const nonEmpty = seeds.filter((bytes) => bytes.byteLength > 0);
  const run = (name: string, property: fc.IProperty<[Uint8Array]>) => {
    const details = fc.check(property, { numRuns, seed });
    if (details.failed) {
      const error = details.errorInstance;
      if (error instanceof ContractViolation) {
        throw new ContractViolation(
          "checkCodecFuzz",
          `${name} (fast-check seed ${seed}, path ${details.counterexamplePath ?? "?"}): ${error.message}`,
          { cause: error },
        );
      }
      throw new ContractViolation("checkCodecFuzz", `${name}: ${describeError(error)}`, {
        cause: error,
      });
    }
  };
  const asProperty = (arbitrary: fc.Arbitrary<Uint8Array>) =>
    fc.property(arbitrary, (input) => {
      decode(input);
    });
  run("random bytes", asProperty(fc.uint8Array({ maxLength: 2048 })));
  if (nonEmpty.length === 0) return;
  const base = fc.constantFrom(...nonEmpty);
  run(
    "truncation",
    asProperty(
      base.chain((bytes) =>
        fc.nat({ max: bytes.byteLength - 1 }).map((length) => bytes.slice(0, length)),
      ),
    ),
  );
  run(
    "bit flips",
    asProperty(
      base.chain((bytes) =>
        fc
          .array(fc.nat({ max: bytes.byteLength * 8 - 1 }), { minLength: 1, maxLength: 8 })
          .map((bits) => {
            const out = bytes.slice();
            for (const bit of bits) out[bit >>> 3] = (out[bit >>> 3] as number) ^ (1 << (bit & 7));
            return out;
          }),
      ),
    ),
  );
  run(
    "absurd counts and lengths",
    asProperty(
      base.chain((bytes) =>
        fc
          .tuple(
            fc.nat({ max: bytes.byteLength - 1 }),
            fc.constantFrom(...ABSURD_VALUES),
            fc.constantFrom(1, 2, 4, 8),
            fc.boolean(),
          )
          .map(([offset, value, width, little]) => patch(bytes, offset, value, width, little)),
      ),
    ),
  );
  run(
    "spliced garbage",
    asProperty(
      base.chain((bytes) =>
        fc
          .tuple(
            fc.nat({ max: bytes.byteLength }),
            fc.nat({ max: 16 }),
            fc.uint8Array({ maxLength: 16 }),
          )
          .map(([at, remove, insert]) => {
            const out = new Uint8Array(
              bytes.byteLength - Math.min(remove, bytes.byteLength - at) + insert.byteLength,
            );
            out.set(bytes.subarray(0, at));
            out.set(insert, at);
            out.set(
              bytes.subarray(Math.min(bytes.byteLength, at + remove)),
              at + insert.byteLength,
            );
            return out;
          }),
      ),
    ),
  );
}
