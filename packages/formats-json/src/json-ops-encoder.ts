import { PersistenceError } from "@snapwrite/core";
import { isJsonValueIssue, jsonOpsValueText } from "./json-ops-value-check.js";

/** First byte of every encoding: the format version. */
export const FORMAT_VERSION = 1;
export const KIND_PUT = 1;
export const KIND_DEL = 2;
export const KIND_MERGE = 3;
export const KIND_CLEAR = 4;
export const CODEC_NAME = "json-ops";

const textEncoder = new TextEncoder();
/** Strings up to this many UTF-16 code units are tried as ASCII first (see `FrameWriter.utf8`). */
const ASCII_COPY_MAX = 128;
// A lone surrogate would silently become U+FFFD in UTF-8, changing the key.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed =
  isWellFormed === undefined
    ? (text: string) => !LONE_SURROGATE.test(text)
    : (text: string) => isWellFormed.call(text);

function encodeError(index: number, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `${CODEC_NAME}: ops[${index}]: ${message}`, {
    stage: "encode",
    details: { index },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function isPlainObject(value: unknown): boolean {
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

function checkedText(index: number, name: string, text: unknown): string {
  if (typeof text !== "string") throw encodeError(index, `${name} must be a string`);
  if (!wellFormed(text)) throw encodeError(index, `${name} contains a lone surrogate`);
  return text;
}

const OPEN_OBJECT = 0x7b;

/**
 * The JSON text of a put's or merge's value, refused when a reopen would not give the value back
 * (see {@link jsonOpsValueText}). A merge's is checked twice: the value must be a plain
 * object, and so must what `JSON.stringify` wrote for it (a `toJSON` may return anything), since
 * that text is what `decode` checks.
 */
function jsonText(index: number, kind: number, value: unknown): string {
  if (kind === KIND_MERGE && !isPlainObject(value)) {
    throw encodeError(index, "the value of a merge must be a plain object");
  }
  let text: string | undefined;
  try {
    text = jsonOpsValueText(value);
  } catch (error) {
    if (isJsonValueIssue(error)) throw encodeError(index, error.message, error);
    throw encodeError(index, "the value is not JSON-serializable", error);
  }
  if (text === undefined) throw encodeError(index, "the value is not JSON-serializable");
  if (kind === KIND_MERGE && text.charCodeAt(0) !== OPEN_OBJECT) {
    throw encodeError(
      index,
      "the value of a merge must be written as an object (check its toJSON)",
    );
  }
  return text;
}

/**
 * Writes the frames of a batch of ops into one scratch buffer, straight from their strings
 * (`TextEncoder.encodeInto`, no intermediate byte arrays), and copies the result out once.
 * Encodes run one at a time (they are synchronous), so one scratch buffer serves them all.
 */
class FrameWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  at = 0;

  /** Makes room for `more` bytes after `at`, keeping what was written. */
  reserve(more: number): void {
    const need = this.at + more;
    if (need <= this.bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.byteLength * 2));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): void {
    this.bytes[this.at++] = value;
  }

  u32At(at: number, value: number): void {
    this.view.setUint32(at, value, true);
  }

  /**
   * UTF-8 of `text` (room for it reserved); returns its byte length. A short ASCII string (a key,
   * a collection name, a small value) is copied unit by unit, without the view and the result
   * object of `encodeInto`; anything else goes through `encodeInto`.
   */
  utf8(text: string): number {
    const length = text.length;
    if (length <= ASCII_COPY_MAX) {
      const bytes = this.bytes;
      const at = this.at;
      let i = 0;
      for (let unit = 0; i < length; i++) {
        unit = text.charCodeAt(i);
        if (unit > 0x7f) break;
        bytes[at + i] = unit;
      }
      if (i === length) {
        this.at = at + length;
        return length;
      }
    }
    const { written } = textEncoder.encodeInto(text, this.bytes.subarray(this.at));
    this.at += written;
    return written;
  }

  /** A u32 byte length, then the UTF-8 of `text`. */
  lengthPrefixed(text: string): void {
    const lengthAt = this.at;
    this.at += 4;
    this.u32At(lengthAt, this.utf8(text));
  }

  /** Bytes the scratch buffer holds. */
  get capacity(): number {
    return this.bytes.byteLength;
  }

  /** A copy of the bytes written; the writer starts over. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.at);
    this.at = 0;
    return out;
  }
}

/** A scratch buffer grown past this by a big batch is dropped after it, not kept for good. */
const MAX_KEPT_BYTES = 1024 * 1024;

/** The writer no encode is using; a nested encode (from a value's `toJSON`) gets its own. */
let idle: FrameWriter | undefined = new FrameWriter();

/** Appends one op's frame; throws `ERR_ENCODE` (before writing) for an op it cannot encode. */
function writeOp(w: FrameWriter, op: unknown, index: number): void {
  if (typeof op !== "object" || op === null) throw encodeError(index, "not an op object");
  const kind = kindOf(op);
  if (kind === 0) throw encodeError(index, 'op must be "put", "del", "merge" or "clear"');
  const fields = op as { collection?: unknown; key?: unknown; value?: unknown };
  // Each field is read once: a getter must not give the checks one string and the frame another.
  const collection = checkedText(index, "collection", fields.collection);
  if (collection.includes("\0")) throw encodeError(index, "collection must not contain U+0000");
  const key = kind === KIND_CLEAR ? undefined : checkedText(index, "key", fields.key);
  const value =
    kind === KIND_PUT || kind === KIND_MERGE ? jsonText(index, kind, fields.value) : undefined;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const chars = collection.length + (key?.length ?? 0) + (value?.length ?? 0);
  w.reserve(13 + 3 * chars);
  const frameAt = w.at;
  w.at += 4;
  w.u8(kind);
  w.lengthPrefixed(collection);
  if (key !== undefined) w.lengthPrefixed(key);
  if (value !== undefined) w.utf8(value);
  w.u32At(frameAt, w.at - frameAt - 4);
}

/** The encoding of `ops`: the version byte, then one length-prefixed frame per op. */
export function encodeJsonOps(ops: readonly unknown[]): Uint8Array {
  if (!Array.isArray(ops)) throw new TypeError("encode needs an array of ops");
  const w = idle ?? new FrameWriter();
  idle = undefined;
  try {
    w.reserve(1);
    w.u8(FORMAT_VERSION);
    for (let i = 0; i < ops.length; i++) writeOp(w, ops[i], i);
    return w.take();
  } finally {
    w.at = 0;
    idle = w.capacity > MAX_KEPT_BYTES ? new FrameWriter() : w;
  }
}
