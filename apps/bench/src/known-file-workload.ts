import { concatChunks } from "@snapwrite/core/codec-kit";
import { md4 } from "@snapwrite/formats-met";
import { createPrng, type Prng } from "./prng.js";

/** ed2k part size: a file is hashed in parts of this many bytes. */
export const PART_SIZE = 9_728_000;

/** Largest size a known.met stores as UINT32 (`OLD_MAX_FILE_SIZE`); above it the record is a large file. */
export const OLD_MAX_FILE_SIZE = 4_290_048_000;

/** Every this many records one is a large file (> 4 GiB); see {@link createKnownFileSpecs}. */
export const LARGE_FILE_EVERY = 10_000;

/** One synthetic shared file, independent of any codec: what a client knows about a file it hashed. */
export interface KnownFileSpec {
  /** Display name (about 5% contain non-ASCII characters). */
  readonly name: string;
  /** Size in bytes (up to 8 GiB, exact as a JS number). */
  readonly size: number;
  /** Last-write date, Unix seconds. */
  readonly mtime: number;
  /** ed2k file hash, 16 bytes. */
  readonly hash: Uint8Array;
  /** Part hashes, 16 bytes each; count follows {@link partHashCount}. */
  readonly partHashes: readonly Uint8Array[];
  /** AICH root hash, 20 bytes, for about 70% of the files. */
  readonly aichHash: Uint8Array | undefined;
  /** All-time requests. */
  readonly requests: number;
  /** All-time accepted uploads (never more than `requests`). */
  readonly accepted: number;
  /** All-time bytes uploaded (may exceed 2^32). */
  readonly transferred: number;
  /** Upload priority, 0..5 (5 = auto). */
  readonly priority: number;
  /** Last time the file was shared, Unix seconds. */
  readonly lastShared: number;
}

/**
 * Number of MD4 part hashes a known.met record carries for a file of `size` bytes:
 * `n = floor(size / PART_SIZE)`, `P = n === 0 ? 0 : n + 1`.
 */
export function partHashCount(size: number): number {
  const n = Math.floor(size / PART_SIZE);
  return n === 0 ? 0 : n + 1;
}

const ASCII_WORDS = [
  "holiday",
  "concert",
  "live",
  "remastered",
  "final",
  "draft",
  "backup",
  "vacation",
  "linux",
  "debian",
  "ubuntu",
  "lecture",
  "chapter",
  "episode",
  "season",
  "theme",
  "soundtrack",
  "demo",
  "session",
  "archive",
  "photos",
  "scan",
  "invoice",
  "report",
  "mix",
  "radio",
  "edit",
  "acoustic",
  "orchestra",
  "symphony",
  "night",
  "morning",
  "city",
  "river",
  "mountain",
  "winter",
  "summer",
];
const NON_ASCII_WORDS = [
  "Mötley",
  "café",
  "Ça",
  "naïve",
  "Ångström",
  "Smørrebrød",
  "Привет",
  "Москва",
  "Ελληνικά",
  "日本語",
  "東京",
  "音楽",
  "한국어",
  "São",
  "Zürich",
  "Kraków",
  "İstanbul",
  "señor",
];
const EXTENSIONS = [".mp3", ".flac", ".ogg", ".avi", ".mkv", ".mp4", ".iso", ".zip", ".pdf", ".7z"];

/** Start of the synthetic mtime range: 2005-01-01. */
const EPOCH_2005 = 1_104_537_600;
/** End of the synthetic mtime range: 2025-01-01. */
const EPOCH_2025 = 1_735_689_600;

function randomName(prng: Prng, index: number): string {
  const words: string[] = [];
  const wordCount = prng.nextInt(2, 5);
  // Exactly one record in 20 gets a non-ASCII word, so the share is 5% for every N and every seed.
  const nonAsciiSlot = index % 20 === 7 ? prng.nextInt(0, wordCount - 1) : -1;
  for (let w = 0; w < wordCount; w++) {
    const list = w === nonAsciiSlot ? NON_ASCII_WORDS : ASCII_WORDS;
    words.push(list[prng.nextInt(0, list.length - 1)] ?? "file");
  }
  const ext = EXTENSIONS[prng.nextInt(0, EXTENSIONS.length - 1)] ?? ".bin";
  const separator = prng.nextFloat() < 0.5 ? " " : ".";
  return `${words.join(separator)} ${String(index).padStart(7, "0")}${ext}`;
}

function randomSize(prng: Prng, index: number): number {
  if (index % LARGE_FILE_EVERY === LARGE_FILE_EVERY - 1) {
    // Large files: just over 4 GiB up to 8 GiB, i.e. 442..884 part hashes.
    return 4_294_967_297 + Math.floor(prng.nextFloat() * 4_294_967_295);
  }
  if (prng.nextFloat() < 0.4) return prng.nextInt(1, PART_SIZE - 1);
  // Capped at 10 parts: n <= 9, so size < 10 * PART_SIZE.
  return prng.nextInt(PART_SIZE, 10 * PART_SIZE - 1);
}

/** Builds the spec of record `index` from the generator's current state. */
function randomSpec(prng: Prng, index: number): KnownFileSpec {
  const size = randomSize(prng, index);
  const parts = partHashCount(size);
  const partHashes: Uint8Array[] = [];
  for (let p = 0; p < parts; p++) partHashes.push(prng.fill(new Uint8Array(16)));
  const requests = prng.nextFloat() < 0.3 ? 0 : prng.nextInt(1, 5_000);
  const accepted = requests === 0 ? 0 : prng.nextInt(0, requests);
  const transferred =
    accepted === 0 ? 0 : Math.floor(prng.nextFloat() * size * Math.min(accepted, 8));
  const mtime = prng.nextInt(EPOCH_2005, EPOCH_2025);
  return {
    name: randomName(prng, index),
    size,
    mtime,
    hash: fileHash(prng.fill(new Uint8Array(16)), partHashes),
    partHashes,
    aichHash: prng.nextFloat() < 0.7 ? prng.fill(new Uint8Array(20)) : undefined,
    requests,
    accepted,
    transferred,
    priority: prng.nextFloat() < 0.8 ? 5 : prng.nextInt(0, 4),
    lastShared: prng.nextInt(mtime, EPOCH_2025),
  };
}

/**
 * The ed2k file hash: with more than one part the MD4 of the part hashes, as clients check on load
 * (the record factory refuses anything else); otherwise the random `drawn` bytes (the MD4 of data
 * the bench never has). `drawn` is always drawn, so the rest of the stream stays the same.
 */
function fileHash(drawn: Uint8Array, partHashes: readonly Uint8Array[]): Uint8Array {
  return partHashes.length > 1 ? md4(concatChunks(partHashes)) : drawn;
}

/** Mixes a record index into the seed (a 32-bit integer hash), so each record has its own stream. */
function recordSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The deterministic spec of record `index` for `seed`, computed on its own (random access), so the
 * bench never has to keep all specs alive next to the state it measures. Distribution (documented
 * in the README): 40% small files (< 1 part, P = 0), the rest between 1 and 10 parts (P = 2..10);
 * one record in {@link LARGE_FILE_EVERY} is a large file over 4 GiB with its full, rule-conforming
 * part-hash list (P = 442..884), which also switches the file header to 0x0F. Part hashes are
 * random bytes (the bench measures serialization, not hashing data); the file hash of a multi-part
 * file is the MD4 of its part hashes, as clients require, and random bytes otherwise.
 */
export function knownFileSpecAt(index: number, seed: number): KnownFileSpec {
  return randomSpec(createPrng(recordSeed(seed, index)), index);
}

/** Builds the specs of records `0 .. count - 1` (see {@link knownFileSpecAt}). */
export function createKnownFileSpecs(count: number, seed: number): KnownFileSpec[] {
  const specs: KnownFileSpec[] = new Array(count);
  for (let i = 0; i < count; i++) specs[i] = knownFileSpecAt(i, seed);
  return specs;
}

/**
 * Returns the spec after the owner "touched" it: one more request and accepted upload, more bytes
 * transferred, shared now. Used by the mutating workloads; the input is never modified.
 */
export function touchKnownFileSpec(spec: KnownFileSpec, nowSeconds: number): KnownFileSpec {
  return {
    ...spec,
    requests: spec.requests + 1,
    accepted: spec.accepted + 1,
    transferred: spec.transferred + 65_536,
    lastShared: nowSeconds,
  };
}
