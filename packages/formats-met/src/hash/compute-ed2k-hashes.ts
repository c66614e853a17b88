import { createHash, type Hash } from "node:crypto";
import { aichRootFromLeaves } from "./aich-root-from-leaves.js";
import { createMd4, type Md4Hasher } from "./create-md4.js";
import { AICH_BLOCK_SIZE, ED2K_PART_SIZE } from "./ed2k-constants.js";

/** The hashes eMule and aMule keep for a shared file. */
export interface Ed2kHashes {
  /** File size in bytes (exact up to 2^53 − 1, far beyond any real file). */
  readonly size: number;
  /** The ed2k file hash: MD4 of the data when there are no part hashes, else MD4 of the part hashes. */
  readonly hash: Uint8Array;
  /** MD4 of every PARTSIZE part; `n + 1` entries for `n = ⌊size/PARTSIZE⌋ > 0` (the last possibly of an empty part), none when `n` is 0. */
  readonly partHashes: readonly Uint8Array[];
  /** The AICH hashset, as stored in known2_64.met. */
  readonly aich: {
    /** The 20-byte AICH root ("master hash"), base32 of which is known.met's FT_AICH_HASH. */
    readonly root: Uint8Array;
    /**
     * The leaf hashes concatenated left to right, 20 bytes each: SHA-1 of every EMBLOCKSIZE block,
     * blocks never crossing a part boundary (as stored in known2_64.met).
     */
    readonly leaves: Uint8Array;
  };
}

/** What {@link computeEd2kHashes} reads: bytes, or chunks from a (async) iterable or a Node stream. */
export type Ed2kHashSource =
  | Uint8Array
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>
  | NodeJS.ReadableStream;

/**
 * Computes the ed2k file hash, part hashes and AICH hashset of a file in one streaming pass:
 * memory stays bounded by the chunk size (plus 20 bytes per 180 KiB of leaves), the whole file
 * is never buffered.
 *
 * @example
 * ```ts
 * const h = await computeEd2kHashes(createReadStream("movie.avi"));
 * base32Encode(h.aich.root); // the FT_AICH_HASH string
 * ```
 * @throws TypeError when the source yields something other than bytes (e.g. a stream with an
 *   encoding set); errors of the source itself propagate unchanged.
 */
export async function computeEd2kHashes(source: Ed2kHashSource): Promise<Ed2kHashes> {
  const state = createState();
  if (source instanceof Uint8Array) {
    feed(state, source);
  } else if (isAsyncIterable(source)) {
    for await (const chunk of source) feed(state, checkChunk(chunk));
  } else if (isIterable(source)) {
    for (const chunk of source) feed(state, checkChunk(chunk));
  } else {
    throw new TypeError("computeEd2kHashes needs bytes, an iterable of bytes or a readable stream");
  }
  return finish(state);
}

interface HashState {
  size: number;
  partPos: number;
  blockPos: number;
  part: Md4Hasher;
  block: Hash;
  readonly partHashes: Uint8Array[];
  readonly leaves: Uint8Array[];
}

function createState(): HashState {
  return {
    size: 0,
    partPos: 0,
    blockPos: 0,
    part: createMd4(),
    block: createHash("sha1"),
    partHashes: [],
    leaves: [],
  };
}

function feed(s: HashState, data: Uint8Array): void {
  let pos = 0;
  const n = data.length;
  while (pos < n) {
    // AICH blocks restart at every part boundary, so the last block of a part is short.
    const blockLen = Math.min(AICH_BLOCK_SIZE, ED2K_PART_SIZE - (s.partPos - s.blockPos));
    const take = Math.min(n - pos, blockLen - s.blockPos);
    const piece = data.subarray(pos, pos + take);
    s.part.update(piece);
    s.block.update(piece);
    pos += take;
    s.size += take;
    s.partPos += take;
    s.blockPos += take;
    if (s.blockPos === blockLen) {
      s.leaves.push(s.block.digest());
      s.block = createHash("sha1");
      s.blockPos = 0;
    }
    if (s.partPos === ED2K_PART_SIZE) {
      s.partHashes.push(s.part.digest());
      s.part = createMd4();
      s.partPos = 0;
    }
  }
}

function finish(s: HashState): Ed2kHashes {
  if (s.blockPos > 0 || s.size === 0) s.leaves.push(s.block.digest());
  // The trailing (possibly empty) part: for size < PARTSIZE it is the whole file.
  const last = s.part.digest();
  let hash: Uint8Array;
  let partHashes: Uint8Array[];
  if (s.partHashes.length === 0) {
    hash = last;
    partHashes = [];
  } else {
    partHashes = [...s.partHashes, last];
    const all = createMd4();
    for (const p of partHashes) all.update(p);
    hash = all.digest();
  }
  const leaves = new Uint8Array(s.leaves.length * 20);
  for (let i = 0; i < s.leaves.length; i++) leaves.set(s.leaves[i] as Uint8Array, i * 20);
  const root = aichRootFromLeaves(s.size, leaves);
  return { size: s.size, hash, partHashes, aich: { root, leaves } };
}

function checkChunk(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(
    `computeEd2kHashes: source yielded ${typeof chunk === "string" ? "a string (stream has an encoding set?)" : typeof chunk}, expected bytes`,
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === "function"
  );
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.iterator] === "function"
  );
}
