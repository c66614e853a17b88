import { type OpsCodec, PersistenceError } from "@snapwrite/core";
import { corruptError } from "@snapwrite/core/codec-kit";
import type { JsonOp, JsonOpsCorruptReason } from "./json-op.js";

/** First byte of every encoding: the format version. */
const FORMAT_VERSION = 1;
const KIND_PUT = 1;
const KIND_DEL = 2;
const KIND_MERGE = 3;
const KIND_CLEAR = 4;
const CODEC_NAME = "json-ops";

const textEncoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// A lone surrogate would silently become U+FFFD in UTF-8, changing the key.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function corrupt(
  offset: number,
  reason: JsonOpsCorruptReason,
  message: string,
  cause?: unknown,
): PersistenceError {
  return corruptError(`${CODEC_NAME}: ${message}`, offset, reason, undefined, cause);
}

function encodeError(index: number, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `${CODEC_NAME}: ops[${index}]: ${message}`, {
    stage: "encode",
    details: { index },
    ...(cause === undefined ? {} : { cause }),
  });
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(op: unknown): number {
  switch ((op as { op?: unknown }).op) {
    case "put":
      return KIND_PUT;
    case "del":
      return KIND_DEL;
    case "merge":
      return KIND_MERGE;
    case "clear":
      return KIND_CLEAR;
    default:
      return 0;
  }
}

interface EncodedOp {
  readonly kind: number;
  readonly collection: Uint8Array;
  readonly key: Uint8Array | undefined;
  readonly value: Uint8Array | undefined;
}

function utf8Field(index: number, name: string, text: unknown): Uint8Array {
  if (typeof text !== "string") throw encodeError(index, `${name} must be a string`);
  if (LONE_SURROGATE.test(text)) throw encodeError(index, `${name} contains a lone surrogate`);
  return textEncoder.encode(text);
}

function jsonField(index: number, kind: number, value: unknown): Uint8Array {
  if (kind === KIND_MERGE && !isPlainObject(value)) {
    throw encodeError(index, "the value of a merge must be a plain object");
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw encodeError(index, "the value is not JSON-serializable", error);
  }
  if (text === undefined) throw encodeError(index, "the value is not JSON-serializable");
  return textEncoder.encode(text);
}

function encodeOp(op: unknown, index: number): EncodedOp {
  if (typeof op !== "object" || op === null) throw encodeError(index, "not an op object");
  const kind = kindOf(op);
  if (kind === 0) throw encodeError(index, 'op must be "put", "del", "merge" or "clear"');
  const fields = op as { collection?: unknown; key?: unknown; value?: unknown };
  if (typeof fields.collection === "string" && fields.collection.includes("\0")) {
    throw encodeError(index, "collection must not contain U+0000");
  }
  const collection = utf8Field(index, "collection", fields.collection);
  if (kind === KIND_CLEAR) return { kind, collection, key: undefined, value: undefined };
  const key = utf8Field(index, "key", fields.key);
  if (kind === KIND_DEL) return { kind, collection, key, value: undefined };
  return { kind, collection, key, value: jsonField(index, kind, fields.value) };
}

function frameBodyLength(op: EncodedOp): number {
  return (
    1 +
    4 +
    op.collection.byteLength +
    (op.key === undefined ? 0 : 4 + op.key.byteLength) +
    (op.value === undefined ? 0 : op.value.byteLength)
  );
}

/** Reads one frame's fields, checking every length against the bytes the frame has left. */
class FrameReader {
  at: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  string(what: string): string {
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
      return strictUtf8.decode(this.bytes.subarray(start, this.at));
    } catch (error) {
      throw corrupt(start, "invalid-utf8", `the ${what} is not UTF-8`, error);
    }
  }

  json(): unknown {
    const start = this.at;
    this.at = this.end;
    let text: string;
    try {
      text = strictUtf8.decode(this.bytes.subarray(start, this.end));
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

function decodeFrame(bytes: Uint8Array, view: DataView, frameStart: number, end: number): JsonOp {
  const kind = bytes[frameStart] as number;
  const reader = new FrameReader(bytes, view, frameStart + 1, end);
  const collection = reader.string("collection");
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
 * `encode` costs O(size of the ops). Values go through `JSON.stringify`: pass plain JSON values, or
 * what a journal replays will differ from what memory holds (`NaN` becomes `null`, a `Date` a
 * string). It throws `ERR_ENCODE` (`details.index`) for an unknown op, a non-string collection or
 * key, a string with a lone surrogate, a collection containing U+0000, a value `JSON.stringify`
 * cannot write, and a merge whose value is not a plain object.
 *
 * `decode` checks every length against the bytes left before using it, and any damage throws
 * `ERR_CORRUPT` with `details.offset` and `details.reason` ({@link JsonOpsCorruptReason}).
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
      if (!Array.isArray(ops)) throw new TypeError("encode needs an array of ops");
      const encoded = ops.map(encodeOp);
      let total = 1;
      for (const op of encoded) total += 4 + frameBodyLength(op);
      const out = new Uint8Array(total);
      const view = new DataView(out.buffer);
      out[0] = FORMAT_VERSION;
      let at = 1;
      for (const op of encoded) {
        view.setUint32(at, frameBodyLength(op), true);
        out[at + 4] = op.kind;
        view.setUint32(at + 5, op.collection.byteLength, true);
        out.set(op.collection, at + 9);
        at += 9 + op.collection.byteLength;
        if (op.key !== undefined) {
          view.setUint32(at, op.key.byteLength, true);
          out.set(op.key, at + 4);
          at += 4 + op.key.byteLength;
        }
        if (op.value !== undefined) {
          out.set(op.value, at);
          at += op.value.byteLength;
        }
      }
      return out;
    },
    decode(bytes: Uint8Array): JsonOp<V>[] {
      if (!(bytes instanceof Uint8Array)) throw new TypeError("decode needs a Uint8Array");
      if (bytes.byteLength === 0) throw corrupt(0, "truncated", "no bytes: the version is missing");
      if (bytes[0] !== FORMAT_VERSION) {
        throw corrupt(0, "bad-header", `unknown format version ${bytes[0]}`);
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const ops: JsonOp<V>[] = [];
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
        ops.push(decodeFrame(bytes, view, start, start + length) as JsonOp<V>);
        at = start + length;
      }
      return ops;
    },
    keyOf(op: JsonOp<V>): string | undefined {
      if (op.op === "put" || op.op === "del") return `${op.collection}\0${op.key}`;
      if (op.op === "clear") return op.collection;
      return undefined;
    },
  });
}
