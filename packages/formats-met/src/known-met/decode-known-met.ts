import type { PersistenceError } from "@snapwrite/core";
import { corruptError } from "@snapwrite/core/codec-kit";
import { scanMetTag } from "../tags/scan-met-tag.js";
import type { KnownMet, KnownMetHeader } from "./known-met.js";
import {
  createLazyRecordList,
  type PendingRecords,
  type RecordOffsets,
} from "./lazy-record-list.js";

/** Options of {@link decodeKnownMet}. */
export interface DecodeKnownMetOptions {
  /**
   * Instead of throwing, return the records read before the damage together with the error, as
   * aMule keeps the records loaded before an EOF or an unknown tag type. Default false.
   */
  readonly salvage?: boolean | undefined;
}

/** Result of a salvaging decode. */
export interface SalvagedKnownMet {
  /**
   * The header and every record fully read before the damage (all records when only trailing
   * data is wrong). With a bad header: header 0x0E and no records.
   */
  readonly value: KnownMet & { readonly header: KnownMetHeader };
  /** The `ERR_CORRUPT` error that stopped decoding, or `undefined` when the input is valid. */
  readonly error: PersistenceError | undefined;
}

/** Smallest record: date, hash, P = 0, tag count = 0. */
const MIN_RECORD = 26;
/** Smallest tag: compact header (2 bytes) + a 1-byte value. */
const MIN_TAG = 3;

/**
 * Decodes known.met bytes (docs/met-format.md#knownmet-layout). Hardened: every count and length is checked against the
 * remaining bytes before anything is allocated; errors are `ERR_CORRUPT` with `details.offset`
 * and `details.reason` (`truncated`, `bad-length`, `bad-header`, `unknown-tag-type`,
 * `trailing-data`). Records are light views into `bytes` (see {@link KnownFileRecord}), each made
 * the first time its index is read: `records` is a mutable array-like `Proxy` over where the
 * records start, so decoding allocates no object per record. `bytes` is never modified.
 */
export function decodeKnownMet(
  bytes: Uint8Array,
  options: DecodeKnownMetOptions & { readonly salvage: true },
): SalvagedKnownMet;
export function decodeKnownMet(
  bytes: Uint8Array,
  options?: DecodeKnownMetOptions,
): KnownMet & { readonly header: KnownMetHeader };
export function decodeKnownMet(
  bytes: Uint8Array,
  options: DecodeKnownMetOptions = {},
): SalvagedKnownMet | (KnownMet & { readonly header: KnownMetHeader }) {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError("decodeKnownMet: bytes must be a Uint8Array");
  const state = emptyRecords(bytes);
  let header: KnownMetHeader = 0x0e;
  let failure: PersistenceError | undefined;
  try {
    header = readInto(bytes, state);
  } catch (error) {
    if (options.salvage !== true) throw error;
    failure = error as PersistenceError;
  }
  state.pending = new Uint8Array(state.count).fill(1);
  const value = { header, records: createLazyRecordList(state) };
  return options.salvage === true ? { value, error: failure } : value;
}

/** What {@link scanKnownMet} found: record `i` spans `bytes[starts[i], starts[i + 1])`. */
export interface ScannedKnownMet {
  readonly header: KnownMetHeader;
  readonly count: number;
  /** `count + 1` offsets. */
  readonly starts: RecordOffsets;
  /** `sizes[i] - 1` is the offset of record `i`'s last FT_FILESIZE tag (`0`: none). */
  readonly sizes: RecordOffsets;
}

/**
 * Validates known.met bytes like {@link decodeKnownMet} (same errors) and returns only where the
 * records start and where their FT_FILESIZE tags are: no record list, for readers that keep the
 * offsets themselves (the worker replica).
 */
export function scanKnownMet(bytes: Uint8Array): ScannedKnownMet {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError("scanKnownMet: bytes must be a Uint8Array");
  const state = emptyRecords(bytes);
  const header = readInto(bytes, state);
  return { header, count: state.count, starts: state.starts, sizes: state.sizes };
}

const EMPTY_OFFSETS = new Uint32Array(0);
const EMPTY_FLAGS = new Uint8Array(0);

/** The state `readInto` fills: no records yet. */
function emptyRecords(src: Uint8Array): PendingRecords {
  return { src, starts: EMPTY_OFFSETS, sizes: EMPTY_OFFSETS, count: 0, pending: EMPTY_FLAGS };
}

/**
 * Validates the file and records where each record starts and where its FT_FILESIZE tag is into
 * `state`; `state.count` is the number of records fully read, also when it throws.
 */
function readInto(b: Uint8Array, state: PendingRecords): KnownMetHeader {
  const end = b.length;
  if (end < 1) throw corruptError("Empty input: no known.met header", 0, "truncated");
  const header = b[0] as number;
  if (header !== 0x0e && header !== 0x0f) {
    throw corruptError(`Invalid known.met header 0x${header.toString(16)}`, 0, "bad-header", {
      header,
    });
  }
  if (end < 5) throw corruptError("Input ends inside the record count", 1, "truncated");
  const count = u32(b, 1);
  if (count * MIN_RECORD > end - 5) {
    throw corruptError(`Record count ${count} cannot fit in ${end - 5} bytes`, 1, "bad-length", {
      length: count,
      available: end - 5,
    });
  }
  // Offsets for every announced record: at most 8 bytes per record of at least 26 bytes.
  const Offsets = end <= 0xffff_ffff ? Uint32Array : Float64Array;
  const starts = new Offsets(count + 1);
  const sizes = new Offsets(count);
  state.starts = starts;
  state.sizes = sizes;
  let p = 5;
  starts[0] = p;
  for (let i = 0; i < count; i++) {
    if (end - p < 22)
      throw corruptError(`Input ends inside record ${i}`, p, "truncated", { record: i });
    const parts = (b[p + 20] as number) | ((b[p + 21] as number) << 8);
    p += 22;
    if (parts * 16 > end - p) {
      throw corruptError(
        `${parts} part hashes exceed the ${end - p} bytes left`,
        p - 2,
        "bad-length",
        {
          record: i,
          length: parts * 16,
          available: end - p,
        },
      );
    }
    p += parts * 16;
    if (end - p < 4)
      throw corruptError(`Input ends inside record ${i}`, p, "truncated", { record: i });
    const tagCount = u32(b, p);
    if (tagCount * MIN_TAG > end - p - 4) {
      throw corruptError(
        `Tag count ${tagCount} cannot fit in ${end - p - 4} bytes`,
        p,
        "bad-length",
        {
          record: i,
          length: tagCount,
          available: end - p - 4,
        },
      );
    }
    p += 4;
    let sizeOff = -1;
    for (let t = 0; t < tagCount; t++) {
      // Fast path for what clients write almost exclusively: old header with a 1-byte id, UINT32
      // or STRING. Anything else (and every error) goes through scanMetTag.
      if (end - p >= 8 && b[p + 1] === 1 && b[p + 2] === 0) {
        const type = b[p] as number;
        if (type === 0x03) {
          if (b[p + 3] === 2) sizeOff = p;
          p += 8;
          continue;
        }
        if (type === 0x02) {
          const next = p + 6 + ((b[p + 4] as number) | ((b[p + 5] as number) << 8));
          if (next <= end) {
            p = next;
            continue;
          }
        }
      }
      const next = scanMetTag(b, p, end);
      const type = b[p] as number;
      if (type & 0x80 ? b[p + 1] === 2 : b[p + 1] === 1 && b[p + 2] === 0 && b[p + 3] === 2) {
        sizeOff = p;
      }
      p = next;
    }
    starts[i + 1] = p;
    sizes[i] = sizeOff + 1;
    state.count = i + 1;
  }
  if (p !== end) {
    throw corruptError(`${end - p} bytes follow the last of ${count} records`, p, "trailing-data", {
      length: end - p,
    });
  }
  return header;
}

function u32(b: Uint8Array, p: number): number {
  return (
    ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
    (b[p + 3] as number) * 0x100_0000
  );
}
