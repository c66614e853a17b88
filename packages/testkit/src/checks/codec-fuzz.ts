// Codec fuzzing: damaged inputs must decode to a value or ERR_CORRUPT (or ERR_UNSUPPORTED), in
// bounded time and memory.
import { type Codec, isPersistenceError } from "@snapwrite/core";
import fc from "fast-check";
import { guardAllocations } from "./allocation-guard.js";
import { describeBytes, describeError } from "./assertions.js";
import { type CodecContractOptions, encodeToBytes } from "./codec-checks.js";
import { ContractViolation } from "./contract-violation.js";
import { startDecodeWatchdog } from "./decode-watchdog.js";

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
  /**
   * A decode still running after this many ms never returns in time: a watchdog thread writes
   * its input to stderr and ends the process (SIGKILL), since a synchronous loop cannot be
   * interrupted from its own thread and no test timeout fires while it runs. `Infinity` turns
   * the watchdog off. Default the larger of 10 000 and 5 × `decodeTimeLimitMs`.
   */
  readonly hangLimitMs?: number | undefined;
}

/**
 * Decodes `input` under the fuzzing rules: returns normally when the decode returned a value or
 * threw `ERR_CORRUPT`, or `ERR_UNSUPPORTED` (damage can turn a version field into another
 * version's, which a versioned codec rightly refuses as intact data it cannot read); throws a {@link ContractViolation} for any other exception, an allocation
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
 * decode must return a value or throw `ERR_CORRUPT` (or `ERR_UNSUPPORTED`), without a large allocation and in bounded time;
 * one that never returns ends the process through a watchdog thread (see `hangLimitMs`).
 */
export function checkCodecFuzz<T>(
  options: CodecContractOptions<T>,
  fuzz: CodecFuzzOptions = {},
): void {
  const { codec } = options;
  const numRuns = fuzz.numRuns ?? 300;
  const seed = fuzz.seed ?? 42;
  const seeds = options.samples.map((sample) => sample.bytes ?? encodeToBytes(codec, sample.value));
  const watchdog = startDecodeWatchdog(codec.name, hangLimitOf(fuzz));
  try {
    fuzzDecodes(seeds, numRuns, seed, (input) => {
      watchdog.start(input);
      try {
        decodeUnderGuard(codec, input, fuzz);
      } finally {
        watchdog.finish();
      }
    });
  } finally {
    watchdog.stop();
  }
}

function hangLimitOf(fuzz: CodecFuzzOptions): number {
  const limit = fuzz.hangLimitMs ?? Math.max(10_000, 5 * (fuzz.decodeTimeLimitMs ?? 2000));
  if (!(typeof limit === "number" && limit > 0)) {
    throw new RangeError(`checkCodecFuzz: hangLimitMs must be a number > 0, got ${String(limit)}`);
  }
  return limit;
}

function fuzzDecodes(
  seeds: readonly Uint8Array[],
  numRuns: number,
  seed: number,
  decode: (input: Uint8Array) => void,
): void {
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
