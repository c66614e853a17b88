import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Codec } from "@snapwrite/core";
import { encodeToBuffer } from "./bench-format.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Best (smallest) time of `repeats` runs of `fn`, ms. */
function best(repeats: number, fn: () => void): number {
  let ms = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - start);
  }
  return ms;
}

function drain(codec: Codec<unknown>, value: unknown): number {
  let bytes = 0;
  for (const chunk of codec.encode(value)) bytes += chunk.byteLength;
  return bytes;
}

/** The JSON codec against the naive path, and its envelope (version + validate) against itself. */
export interface JsonCodecComparison {
  readonly records: number;
  readonly bytes: number;
  readonly repeats: number;
  /** `Buffer.from(JSON.stringify(value))`, best ms. */
  readonly naiveEncodeMs: number;
  /** `JSON.parse(buffer.toString())`, best ms. */
  readonly naiveDecodeMs: number;
  /** `createJsonCodec()` encode (drained) and decode, best ms. */
  readonly codecEncodeMs: number;
  readonly codecDecodeMs: number;
  /** `createJsonCodec({ version: 1, validate })` with a pass-through Standard Schema, best ms. */
  readonly envelopeEncodeMs: number;
  readonly envelopeDecodeMs: number;
  /** Speed of the codec relative to the naive path (naive ms / codec ms; ≥ 1 is as fast or faster). */
  readonly encodeSpeedRatio: number;
  readonly decodeSpeedRatio: number;
  /** Envelope time relative to the plain codec (envelope ms / codec ms; ≤ 1.1 is within 10%). */
  readonly envelopeEncodeCost: number;
  readonly envelopeDecodeCost: number;
}

/** A Standard Schema v1 validator that accepts everything: the cost of the validation hook itself. */
const passThrough = {
  "~standard": { version: 1, vendor: "bench", validate: (value: unknown) => ({ value }) },
};

/**
 * Measures goal 2: the JSON codec vs `JSON.stringify` + `Buffer.from` and `JSON.parse` of the
 * buffer's text, and a versioned, validated envelope vs the plain codec. The four contenders of each
 * direction run interleaved, `repeats` rounds, and the best time of each counts.
 */
export function compareJsonCodec(
  modules: SnapwriteModules,
  value: unknown,
  records: number,
  repeats: number,
): JsonCodecComparison | undefined {
  const create = modules.createJsonCodec;
  if (!create) return undefined;
  const plain = create<unknown>();
  const envelope = create<unknown>({ version: 1, validate: passThrough });
  const plainBytes = encodeToBuffer(plain, value);
  const envelopeBytes = encodeToBuffer(envelope, value);
  let naiveEncodeMs = Number.POSITIVE_INFINITY;
  let codecEncodeMs = Number.POSITIVE_INFINITY;
  let envelopeEncodeMs = Number.POSITIVE_INFINITY;
  let naiveDecodeMs = Number.POSITIVE_INFINITY;
  let codecDecodeMs = Number.POSITIVE_INFINITY;
  let envelopeDecodeMs = Number.POSITIVE_INFINITY;
  const runs: (() => void)[][] = [
    [
      () => {
        naiveEncodeMs = Math.min(
          naiveEncodeMs,
          best(1, () => Buffer.from(JSON.stringify(value))),
        );
      },
      () => {
        codecEncodeMs = Math.min(
          codecEncodeMs,
          best(1, () => drain(plain, value)),
        );
      },
      () => {
        envelopeEncodeMs = Math.min(
          envelopeEncodeMs,
          best(1, () => drain(envelope, value)),
        );
      },
    ],
    [
      () => {
        naiveDecodeMs = Math.min(
          naiveDecodeMs,
          best(1, () => JSON.parse(plainBytes.toString())),
        );
      },
      () => {
        codecDecodeMs = Math.min(
          codecDecodeMs,
          best(1, () => plain.decode(plainBytes)),
        );
      },
      () => {
        envelopeDecodeMs = Math.min(
          envelopeDecodeMs,
          best(1, () => envelope.decode(envelopeBytes)),
        );
      },
    ],
  ];
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let r = 0; r < repeats; r++) {
    // The order turns every round, and each timing starts after a full collection (the bench runs
    // with --expose-gc): the garbage one run leaves must not be charged to the next contender. At
    // 1M a decode is about half GC pauses, and where a leftover major collection landed swung the
    // decode ratio between 0.73× and 0.97× with the same code.
    for (const direction of runs) {
      for (let k = 0; k < direction.length; k++) {
        collect?.();
        direction[(k + r) % direction.length]?.();
      }
    }
  }
  return {
    records,
    bytes: plainBytes.byteLength,
    repeats,
    naiveEncodeMs: round(naiveEncodeMs),
    naiveDecodeMs: round(naiveDecodeMs),
    codecEncodeMs: round(codecEncodeMs),
    codecDecodeMs: round(codecDecodeMs),
    envelopeEncodeMs: round(envelopeEncodeMs),
    envelopeDecodeMs: round(envelopeDecodeMs),
    encodeSpeedRatio: round(naiveEncodeMs / codecEncodeMs),
    decodeSpeedRatio: round(naiveDecodeMs / codecDecodeMs),
    envelopeEncodeCost: round(envelopeEncodeMs / codecEncodeMs),
    envelopeDecodeCost: round(envelopeDecodeMs / codecDecodeMs),
  };
}

/** Goal 3's warm load: read + decode + quarantine checks vs a bare read of the same file. */
export interface WarmLoadComparison {
  readonly records: number;
  readonly bytes: number;
  readonly rounds: number;
  /** `readFile` of the file (in the page cache), best ms. */
  readonly bareReadMs: number;
  /** `loadTarget(createFsSink({ dir }), "known.met", knownMetCodec)` (quarantine and backup on), best ms. */
  readonly loadMs: number;
  /** loadMs / bareReadMs. */
  readonly ratio: number;
}

/**
 * Writes `encoded` as `known.met` in a temp directory, reads it once untimed (warm page cache),
 * then times `rounds` interleaved pairs of a bare `readFile` and core's `loadTarget` through
 * sink-fs with the known.met codec; the best of each counts.
 */
export async function compareWarmLoad(
  modules: SnapwriteModules,
  root: string,
  codec: Codec<unknown>,
  encoded: readonly Uint8Array[],
  records: number,
  rounds: number,
): Promise<WarmLoadComparison | undefined> {
  const { createFsSink, loadTarget } = modules;
  if (!createFsSink || !loadTarget) return undefined;
  const dir = await mkdtemp(join(root, "warm-load-"));
  try {
    const path = join(dir, "known.met");
    await writeFile(path, encoded);
    const sink = createFsSink({ dir });
    const first = await loadTarget(sink, "known.met", codec);
    if (!first.ok) throw new Error("warm load: the file did not load");
    await readFile(path);
    let bareReadMs = Number.POSITIVE_INFINITY;
    let loadMs = Number.POSITIVE_INFINITY;
    let bytes = 0;
    for (let r = 0; r < rounds; r++) {
      let start = performance.now();
      bytes = (await readFile(path)).byteLength;
      bareReadMs = Math.min(bareReadMs, performance.now() - start);
      start = performance.now();
      const loaded = await loadTarget(sink, "known.met", codec);
      loadMs = Math.min(loadMs, performance.now() - start);
      if (!loaded.ok) throw new Error("warm load: the file did not load");
    }
    await (sink as { close?: () => Promise<void> }).close?.();
    return {
      records,
      bytes,
      rounds,
      bareReadMs: round(bareReadMs),
      loadMs: round(loadMs),
      ratio: round(loadMs / bareReadMs),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
