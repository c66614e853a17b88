import { type OpsCodec, PersistenceError } from "@snapwrite/core";
import { corruptError } from "@snapwrite/core/codec-kit";
import { decodeKnownMet } from "./decode-known-met.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMetOp } from "./known-met-op.js";
import { recordEnd } from "./record-end.js";

const FORMAT_VERSION = 1;
const KIND_UPSERT = 1;
const KIND_REMOVE = 2;
const HASH_BYTES = 16;
const NAME = "known-met-ops";

function encodeError(index: number, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `${NAME}: ops[${index}]: ${message}`, {
    stage: "encode",
    details: { index },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The record's wire bytes, checked to hold exactly one valid record. */
function recordBytes(record: KnownFileRecord | undefined, index: number): Uint8Array {
  const bytes = record?.bytes;
  if (!(bytes instanceof Uint8Array)) throw encodeError(index, "upsert needs a record with bytes");
  let end: number;
  try {
    end = recordEnd(bytes, 0);
  } catch (cause) {
    throw encodeError(index, "the record bytes are not a valid known.met record", cause);
  }
  if (end !== bytes.byteLength)
    throw encodeError(index, "the record bytes hold more than one record");
  return bytes;
}

function hashBytes(hash: unknown, index: number): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES) {
    throw encodeError(index, "remove needs a 16-byte MD4 hash");
  }
  return hash;
}

function remapped(error: unknown, start: number): PersistenceError {
  const details = (error as PersistenceError).details ?? {};
  const offset = typeof details.offset === "number" ? details.offset + start : start;
  const reason = typeof details.reason === "string" ? details.reason : "bad-value";
  return new PersistenceError("ERR_CORRUPT", `${NAME}: invalid upsert record (at byte ${offset})`, {
    details: { ...details, offset, reason },
    cause: error,
  });
}

/**
 * Decodes the record at `bytes[start, end)`: validated in place (offsets point into `bytes`), then
 * wrapped as a one-record known.met, so the record reads exactly as the file decoder's do and owns
 * a copy of its bytes (not a view of `bytes`).
 */
function decodeRecord(bytes: Uint8Array, start: number, end: number): KnownFileRecord {
  let length: number;
  try {
    length = recordEnd(bytes.subarray(start, end), 0);
  } catch (error) {
    throw remapped(error, start);
  }
  if (length !== end - start) {
    throw corruptError(`${NAME}: bytes follow the upsert record`, start + length, "trailing-data");
  }
  const file = new Uint8Array(5 + length);
  file[0] = 0x0f;
  file[1] = 1;
  file.set(bytes.subarray(start, end), 5);
  try {
    return decodeKnownMet(file).records[0] as KnownFileRecord;
  } catch (error) {
    throw remapped(error, start - 5);
  }
}

function hex(hash: Uint8Array): string {
  let out = "";
  for (const byte of hash) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * The `OpsCodec` of {@link KnownMetOp}s. Binary, little-endian:
 *
 * ```
 * u8 version (1)
 * per op: u8 kind (1 upsert, 2 remove)
 *         upsert: u32 recordBytes | the record's exact wire bytes (as in known.met)
 *         remove: the 16-byte MD4 hash
 * ```
 *
 * `encode` copies each record's bytes as they are, in O(size of the ops); it throws `ERR_ENCODE`
 * (`details.index`) for an unknown op, a record whose bytes are not exactly one valid known.met
 * record, or a hash that is not 16 bytes. `decode` checks every length against the bytes left and
 * validates each record like `decodeKnownMet`; damage throws `ERR_CORRUPT` with `details.offset`
 * (into the ops bytes) and `details.reason`. Decoded records own their bytes.
 *
 * `keyOf` is the hash in hex for `remove` and `undefined` for `upsert`. A remove followed later by
 * another remove of the same hash is redundant whatever lies between (the second removes whatever
 * the first would have). An upsert never is: an upsert of a new hash fixes where the record is
 * appended, so a later upsert of the same hash, which replaces in place, cannot stand in for it.
 */
export const knownMetOps: OpsCodec<KnownMetOp> = Object.freeze({
  name: NAME,
  encode(ops: readonly KnownMetOp[]): Uint8Array {
    if (!Array.isArray(ops)) throw new TypeError("encode needs an array of ops");
    const parts: Uint8Array[] = [];
    let total = 1;
    ops.forEach((op: KnownMetOp | null | undefined, index) => {
      if (op?.op === "upsert") {
        const bytes = recordBytes(op.record, index);
        parts.push(bytes);
        total += 5 + bytes.byteLength;
      } else if (op?.op === "remove") {
        parts.push(hashBytes(op.hash, index));
        total += 1 + HASH_BYTES;
      } else {
        throw encodeError(index, 'op must be "upsert" or "remove"');
      }
    });
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out[0] = FORMAT_VERSION;
    let at = 1;
    ops.forEach((op, index) => {
      const bytes = parts[index] as Uint8Array;
      if (op.op === "upsert") {
        out[at] = KIND_UPSERT;
        view.setUint32(at + 1, bytes.byteLength, true);
        out.set(bytes, at + 5);
        at += 5 + bytes.byteLength;
      } else {
        out[at] = KIND_REMOVE;
        out.set(bytes, at + 1);
        at += 1 + HASH_BYTES;
      }
    });
    return out;
  },
  decode(bytes: Uint8Array): KnownMetOp[] {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("decode needs a Uint8Array");
    if (bytes.byteLength === 0) throw corruptError(`${NAME}: no bytes`, 0, "truncated");
    if (bytes[0] !== FORMAT_VERSION) {
      throw corruptError(`${NAME}: unknown format version ${bytes[0]}`, 0, "bad-header");
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = bytes.byteLength;
    const ops: KnownMetOp[] = [];
    let at = 1;
    while (at < end) {
      const kind = bytes[at];
      if (kind === KIND_REMOVE) {
        if (end - at - 1 < HASH_BYTES) {
          throw corruptError(`${NAME}: the input ends inside a hash`, at + 1, "truncated");
        }
        ops.push({ op: "remove", hash: bytes.slice(at + 1, at + 1 + HASH_BYTES) });
        at += 1 + HASH_BYTES;
      } else if (kind === KIND_UPSERT) {
        if (end - at - 1 < 4) {
          throw corruptError(`${NAME}: the input ends inside a record length`, at + 1, "truncated");
        }
        const length = view.getUint32(at + 1, true);
        if (length > end - at - 5) {
          throw corruptError(
            `${NAME}: record length ${length} exceeds the input`,
            at + 1,
            "bad-length",
          );
        }
        ops.push({ op: "upsert", record: decodeRecord(bytes, at + 5, at + 5 + length) });
        at += 5 + length;
      } else {
        throw corruptError(`${NAME}: unknown op kind ${kind}`, at, "bad-value");
      }
    }
    return ops;
  },
  keyOf(op: KnownMetOp): string | undefined {
    return op.op === "remove" ? hex(op.hash) : undefined;
  },
});
