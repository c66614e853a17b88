import type { Buffer } from "node:buffer";
import type { OpsCodec, PersistenceError } from "@snapwrite/core";
import { corruptError } from "@snapwrite/core/codec-kit";
import type { JsonOp, JsonOpsCorruptReason } from "./json-op.js";
import {
  CODEC_NAME,
  encodeJsonOps,
  FORMAT_VERSION,
  isPlainObject,
  KIND_CLEAR,
  KIND_DEL,
  KIND_MERGE,
  KIND_PUT,
} from "./json-ops-encoder.js";
import { DeferredValues } from "./json-ops-values.js";
import { bufferOf, RepeatedField, utf8Field } from "./utf8-fields.js";

function corrupt(
  offset: number,
  reason: JsonOpsCorruptReason,
  message: string,
  cause?: unknown,
): PersistenceError {
  return corruptError(`${CODEC_NAME}: ${message}`, offset, reason, undefined, cause);
}

/** Reads one frame's fields, checking every length against the bytes the frame has left. */
class FrameReader {
  at: number;

  constructor(
    private readonly bytes: Buffer,
    private readonly view: DataView,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  string(what: string, repeated?: RepeatedField): string {
    if (this.end - this.at < 4) {
      throw corrupt(this.at, "bad-length", `the frame ends inside the length of the ${what}`);
    }
    const length = this.view.getUint32(this.at, true);
    if (length > this.end - this.at - 4) {
      throw corrupt(this.at, "bad-length", `the ${what} length ${length} exceeds its frame`);
    }
    const start = this.at + 4;
    this.at = start + length;
    try {
      return repeated === undefined
        ? utf8Field(this.bytes, start, this.at)
        : repeated.read(this.bytes, start, this.at);
    } catch (error) {
      throw corrupt(start, "invalid-utf8", `the ${what} is not UTF-8`, error);
    }
  }

  json(): unknown {
    const start = this.at;
    this.at = this.end;
    let text: string;
    try {
      text = utf8Field(this.bytes, start, this.end);
    } catch (error) {
      throw corrupt(start, "invalid-utf8", "the value is not UTF-8", error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw corrupt(start, "bad-value", "the value is not JSON", error);
    }
  }
}

/** The collection of the op decoded last: the next op's is usually the same. */
const lastCollection = new RepeatedField();

function decodeFrame(
  bytes: Buffer,
  view: DataView,
  frameStart: number,
  end: number,
  deferred: DeferredValues | undefined,
): JsonOp {
  const kind = bytes[frameStart] as number;
  const reader = new FrameReader(bytes, view, frameStart + 1, end);
  const collection = reader.string("collection", lastCollection);
  if (collection.includes("\0")) {
    throw corrupt(frameStart + 5, "bad-value", "the collection contains U+0000");
  }
  if (kind === KIND_CLEAR) {
    if (reader.at !== end) throw corrupt(reader.at, "trailing-data", "bytes follow a clear op");
    return { op: "clear", collection };
  }
  const key = reader.string("key");
  if (kind === KIND_DEL) {
    if (reader.at !== end) throw corrupt(reader.at, "trailing-data", "bytes follow a del op");
    return { op: "del", collection, key };
  }
  const valueAt = reader.at;
  if (valueAt === end) throw corrupt(valueAt, "bad-value", "the op has no value");
  if (deferred !== undefined) {
    const op: JsonOp = { op: kind === KIND_MERGE ? "merge" : "put", collection, key, value: null };
    deferred.add(op, bytes, valueAt, end);
    return op;
  }
  const value = reader.json();
  if (kind === KIND_MERGE) {
    if (!isPlainObject(value)) {
      throw corrupt(valueAt, "bad-value", "the value of a merge is not an object");
    }
    return { op: "merge", collection, key, value };
  }
  return { op: "put", collection, key, value };
}

/**
 * The {@link OpsCodec} of {@link JsonOp}s. Binary, little-endian, one length-prefixed frame per op:
 *
 * ```
 * u8 version (1)
 * per op: u32 frameBytes | u8 kind (1 put, 2 del, 3 merge, 4 clear)
 *         | u32 collectionBytes | collection (UTF-8)
 *         | [put, del, merge] u32 keyBytes | key (UTF-8)
 *         | [put, merge] value: JSON text (UTF-8) up to the end of the frame
 * ```
 *
 * `encode` costs O(size of the ops). Values are written as `JSON.stringify` writes them, and only
 * values JSON keeps: a value a reopen would not give back (NaN, ±Infinity, `undefined` in an array
 * or as a member, a function, a symbol, a BigInt, a `Date` or another `toJSON` whose result is of
 * another kind than the value) throws `ERR_ENCODE` whose message names its path (`$.a[1]`) and
 * whose `cause` is a `TypeError` or `RangeError`. It also throws `ERR_ENCODE` (`details.index`)
 * for an unknown op, a non-string collection or key, a string with a lone surrogate, a collection
 * containing U+0000, a value `JSON.stringify` cannot write (a cycle), and a merge whose value is
 * not a plain object or whose `toJSON` returns anything but one: whatever `encode` accepts,
 * `decode` reads back as it was.
 *
 * `decode` checks every length against the bytes left before using it, and any damage throws
 * `ERR_CORRUPT` with `details.offset` and `details.reason` ({@link JsonOpsCorruptReason}).
 * `decodeBatch` decodes many payloads with one `JSON.parse` for all their values, the same ops as
 * `decode` per payload; when any of them is damaged it throws, and `decode` one by one finds which.
 *
 * `keyOf` is `collection + "\0" + key` for `put` and `del` (a later put or del of the entry makes
 * an earlier one redundant), `collection` for `clear` (never equal to a put's or del's key, since
 * collections contain no U+0000), and `undefined` for `merge`, which builds on the previous value:
 * under the `OpsCodec` coalescing rule nothing is dropped across a merge.
 */
export function createJsonOpsCodec<V = unknown>(): OpsCodec<JsonOp<V>> {
  return Object.freeze({
    name: CODEC_NAME,
    encode(ops: readonly JsonOp<V>[]): Uint8Array {
      return encodeJsonOps(ops);
    },
    decode(bytes: Uint8Array): JsonOp<V>[] {
      return decodeOps(bytes, undefined) as JsonOp<V>[];
    },
    decodeBatch(payloads: readonly Uint8Array[]): JsonOp<V>[][] {
      let bytes = 2;
      for (const payload of payloads)
        bytes += payload instanceof Uint8Array ? payload.byteLength : 0;
      const deferred = new DeferredValues(bytes);
      const batch = payloads.map((bytes) => decodeOps(bytes, deferred) as JsonOp<V>[]);
      deferred.parse();
      return batch;
    },
    keyOf(op: JsonOp<V>): string | undefined {
      if (op.op === "put" || op.op === "del") return `${op.collection}\0${op.key}`;
      if (op.op === "clear") return op.collection;
      return undefined;
    },
  });
}

/**
 * The ops of one payload; with `deferred`, the values of puts and merges are left to it (see
 * {@link DeferredValues}) and set once it parses them.
 */
function decodeOps(bytes: Uint8Array, deferred: DeferredValues | undefined): JsonOp[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decode needs a Uint8Array");
  if (bytes.byteLength === 0) throw corrupt(0, "truncated", "no bytes: the version is missing");
  if (bytes[0] !== FORMAT_VERSION) {
    throw corrupt(0, "bad-header", `unknown format version ${bytes[0]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buffer = bufferOf(bytes);
  const ops: JsonOp[] = [];
  let at = 1;
  while (at < bytes.byteLength) {
    if (bytes.byteLength - at < 4) {
      throw corrupt(at, "truncated", "the input ends inside a frame length");
    }
    const length = view.getUint32(at, true);
    if (length > bytes.byteLength - at - 4) {
      throw corrupt(at, "truncated", `the frame length ${length} exceeds the input`);
    }
    const start = at + 4;
    if (length === 0) throw corrupt(start, "bad-length", "an empty frame");
    const kind = bytes[start];
    if (kind !== KIND_PUT && kind !== KIND_DEL && kind !== KIND_MERGE && kind !== KIND_CLEAR) {
      throw corrupt(start, "bad-kind", `unknown op kind ${kind}`);
    }
    ops.push(decodeFrame(buffer, view, start, start + length, deferred));
    at = start + length;
  }
  return ops;
}
