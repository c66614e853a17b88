// Codec checks of `encode`: chunk handover and the caller's value left alone.
import { isDeepStrictEqual } from "node:util";
import { describeBytes, ensure, sameBytes } from "./assertions.js";
import type { CodecContractOptions } from "./codec-checks.js";
import { ContractViolation } from "./contract-violation.js";

/**
 * Chunk handover: each chunk `encode` yields is handed over and never touched again. The check
 * keeps every yielded chunk (the very object) with a copy taken when it was yielded, drains the
 * whole encoding, then compares them: a codec that reuses one scratch buffer for every chunk
 * rewrites the chunks it already handed over, and a sink that keeps them stores garbage.
 */
export function checkCodecChunkHandover<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecChunkHandover";
  const { codec } = options;
  options.samples.forEach((sample, i) => {
    const kept: { readonly chunk: Uint8Array; readonly atYield: Uint8Array }[] = [];
    for (const chunk of codec.encode(sample.value)) {
      if (!(chunk instanceof Uint8Array)) {
        throw new ContractViolation(check, `${codec.name}: encode yielded a non-Uint8Array chunk`);
      }
      kept.push({ chunk, atYield: chunk.slice() });
    }
    kept.forEach(({ chunk, atYield }, k) => {
      ensure(
        check,
        sameBytes(chunk, atYield),
        `${codec.name}: sample ${i}: chunk ${k} of ${kept.length} changed after it was yielded (${describeBytes(atYield)} became ${describeBytes(chunk)}); encode must hand each chunk over and never touch it again (yield a fresh buffer per chunk, not a reused one)`,
      );
    });
  });
}

/**
 * The caller's value is left alone: encoding a sample (drained to the end) does not modify it.
 * The check compares `structuredClone` snapshots taken before and after the encoding, so it sees
 * own data properties, array order, `Map`/`Set` contents and typed-array bytes. Samples that
 * `structuredClone` cannot copy (functions, symbols, …) are not checked.
 */
export function checkCodecEncodeKeepsInput<T>(options: CodecContractOptions<T>): void {
  const check = "checkCodecEncodeKeepsInput";
  const { codec } = options;
  options.samples.forEach((sample, i) => {
    const before = snapshot(sample.value);
    if (before === NOT_CLONEABLE) return;
    for (const _chunk of codec.encode(sample.value)) {
      // Drain: a mutation may happen at any step of the encoding.
    }
    const after = snapshot(sample.value);
    ensure(
      check,
      after !== NOT_CLONEABLE && isDeepStrictEqual(before, after),
      `${codec.name}: sample ${i}: encode modified the value it was given; encode must leave its input alone (the writer encodes the application's live or frozen state)`,
    );
  });
}

/**
 * `options` with deep copies (`structuredClone`) of its samples' values, taken now, before any
 * check encodes them: `describeCodecRoundTrip` gives these to {@link checkCodecEncodeKeepsInput},
 * so a mutation that gives the same result twice (a sort) cannot already have happened in an
 * earlier check and go unseen. A sample that cannot be copied as the same value (a class instance)
 * is kept as it is. Not exported from
 * the package.
 */
export function withPristineSamples<T, O extends CodecContractOptions<T> = CodecContractOptions<T>>(
  options: O & CodecContractOptions<T>,
): O {
  return { ...options, samples: options.samples.map(pristineSample) };
}

function pristineSample<S extends { readonly value: unknown }>(sample: S): S {
  let copy: unknown;
  try {
    copy = structuredClone(sample.value);
  } catch {
    return sample;
  }
  // A copy that is not the same value (class instances come back as plain objects, private fields
  // and prototypes lost) would be encoded differently or not at all: keep the sample itself then.
  return isDeepStrictEqual(copy, sample.value) ? { ...sample, value: copy } : sample;
}

const NOT_CLONEABLE = Symbol("not cloneable");

function snapshot(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return NOT_CLONEABLE;
  }
}
