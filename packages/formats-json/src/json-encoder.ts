import { types } from "node:util";
import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { ChunkWriter } from "./chunk-writer.js";

/** Settings of {@link encodeJson}, already validated by the codec factory. */
export interface JsonEncoderSettings {
  /** Spaces per indentation level, 0 for compact output. */
  readonly indent: number;
  /** Emit object keys sorted by UTF-16 code units. */
  readonly stableKeys: boolean;
  /** Bytes per chunk; no yielded chunk is larger. */
  readonly chunkSize: number;
  /**
   * Bytes after which a step ends even if its chunk is not full: what was written so far is handed
   * over as a view of the chunk buffer ({@link ChunkWriter.take}), so a step's work is bounded by
   * this, not by `chunkSize`.
   */
  readonly stepBytes: number;
  /** Longest run of string characters written in one step. */
  readonly stringSegment: number;
  /** Object members left out (no output) that one step may visit before it yields anyway. */
  readonly maxSilentVisits: number;
  /** `JSON.isRawJSON` where the engine has it: raw JSON objects are written verbatim. */
  readonly isRawJson?: ((value: unknown) => boolean) | undefined;
}

/** The engine's `JSON.isRawJSON` (Node.js 21+), if any. */
export const engineIsRawJson = (JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON;

const ARRAY = 0;
const OBJECT = 1;
const STRING = 2;

interface Frame {
  kind: number;
  value: unknown;
  keys: readonly string[] | undefined;
  text: string;
  index: number;
  length: number;
  emitted: number;
}

const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const EMPTY = new Uint8Array(0);
const SCAN_DEPTH = 32;
const MAX_CACHED_KEY = 64;
const MAX_CACHED_KEYS = 4096;

/** Deepest nesting below a member that the native path checks before it gives up. */
const NATIVE_DEPTH = 8;
/** Most members and elements in a member written by the native path. */
const NATIVE_NODES = 512;
/** Most UTF-16 units of strings and keys in a member written by the native path. */
const NATIVE_UNITS = 4096;

/** Most array elements written by one engine call. */
const NATIVE_RUN = 256;

/** Marker for a value `JSON.stringify` leaves out (undefined, functions, symbols). */
const SKIP: unique symbol = Symbol("skip");

function encodeFailure(reason: string, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", message, {
    stage: "encode",
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Applies `toJSON` and unboxes `Number`/`String`/`Boolean`/`BigInt` objects, as the
 * SerializeJSONProperty steps of ECMA-262 do, and returns {@link SKIP} for values that are left out.
 */
function prepare(raw: unknown, key: string | number): unknown {
  let value = raw;
  const type = typeof value;
  if ((type === "object" && value !== null) || type === "function" || type === "bigint") {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      value = toJSON.call(value, typeof key === "number" ? String(key) : key);
    }
  }
  switch (typeof value) {
    case "object":
      if (value === null || Array.isArray(value)) return value;
      if (types.isBoxedPrimitive(value)) {
        if (types.isNumberObject(value)) return Number(value);
        if (types.isStringObject(value)) return String(value);
        if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
        if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
      }
      return value;
    case "undefined":
    case "function":
    case "symbol":
      return SKIP;
    default:
      return value;
  }
}

/**
 * Streams `JSON.stringify(value, null, indent)` as UTF-8 chunks. An explicit stack replaces
 * recursion, so depth only costs heap. Each step (one `next()`) ends as soon as `stepBytes` were
 * written (or a chunk is full) or `maxSilentVisits` members were left out; every other visit writes
 * at least one byte, a long string is written in segments and a native write is bounded by
 * `NATIVE_NODES` and `NATIVE_UNITS`, so a step does work bounded by `stepBytes` plus one member.
 */
export function* encodeJson(
  root: unknown,
  settings: JsonEncoderSettings,
  keyOrder?: (holder: object) => readonly string[] | undefined,
): Generator<Uint8Array, void, undefined> {
  const { indent, stableKeys, chunkSize, stepBytes, stringSegment, maxSilentVisits, isRawJson } =
    settings;
  const out = new ChunkWriter(chunkSize);
  const frames: Frame[] = [];
  // Ancestors are checked by scanning the frames while the stack is shallow (the usual case,
  // cheaper than hashing); containers deeper than SCAN_DEPTH also go into a set.
  const deepActive = new Set<unknown>();
  let sp = 0;
  let silent = 0;

  // The native path: a member made only of plain data (plain objects and arrays without toJSON or
  // accessors; strings, numbers, booleans, null, undefined) and small enough is written with the
  // engine's JSON.stringify, which gives the same bytes as the walk below, much faster. The check
  // reads own properties of objects through their descriptors, so no getter runs twice (array
  // elements are read directly: an index accessor would run twice); anything else (class
  // instances, dates, boxed values, toJSON, getters, BigInt, cycles, big or deep members) takes the
  // walk. The budget bounds the work of one native write like a chunk bounds the walk's.
  const native =
    !stableKeys &&
    !("toJSON" in Array.prototype) &&
    (Object.prototype as { toJSON?: unknown }).toJSON === undefined;
  let nodes = 0;
  let units = 0;
  const plainMember = (value: unknown, depth: number): boolean => {
    switch (typeof value) {
      case "string":
        units += value.length;
        return units <= NATIVE_UNITS;
      case "number":
      case "boolean":
      case "undefined":
        return true;
      case "object":
        return value === null || plainContainer(value, depth + 1);
      default:
        return false;
    }
  };
  const plainContainer = (value: object, depth: number): boolean => {
    if (depth > NATIVE_DEPTH || Object.hasOwn(value, "toJSON")) return false;
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false;
      const length = value.length;
      nodes += length;
      if (nodes > NATIVE_NODES) return false;
      for (let i = 0; i < length; i++) if (!plainMember(value[i], depth)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    const keys = Object.keys(value);
    nodes += keys.length;
    if (nodes > NATIVE_NODES) return false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      units += key.length;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      // An accessor has no `writable`; a getter must run once, in the walk's order.
      if (descriptor === undefined || descriptor.writable === undefined) return false;
      if (!plainMember(descriptor.value, depth)) return false;
    }
    return units <= NATIVE_UNITS;
  };
  // Compact output: consecutive plain containers of an array are written by one engine call,
  // within the same budget as one member.
  const batchable = native && indent === 0;
  const plainRun = (list: unknown[], from: number, length: number): number => {
    nodes = 0;
    units = 0;
    let end = from;
    while (end < length && end - from < NATIVE_RUN) {
      const element = list[end];
      if (typeof element !== "object" || element === null || !plainContainer(element, 0)) break;
      end++;
    }
    return end;
  };
  const pads: string[] = [];
  const writeNative = (value: object): boolean => {
    nodes = 0;
    units = 0;
    if (!plainContainer(value, 0)) return false;
    let json = JSON.stringify(value, null, indent) as string;
    if (indent > 0 && sp > 0 && json.length > 2) {
      let pad = pads[sp];
      if (pad === undefined) {
        pad = `\n${" ".repeat(sp * indent)}`;
        pads[sp] = pad;
      }
      // JSON text has no raw line feed inside strings: every one is indentation.
      json = json.replaceAll("\n", pad);
    }
    out.wellFormed(json);
    return true;
  };

  const push = (
    kind: number,
    value: unknown,
    keys: readonly string[] | undefined,
    length: number,
  ): void => {
    let frame = frames[sp];
    if (frame === undefined) {
      frame = { kind, value, keys, text: "", index: 0, length, emitted: 0 };
      frames[sp] = frame;
    } else {
      frame.kind = kind;
      frame.value = value;
      frame.keys = keys;
      frame.index = 0;
      frame.length = length;
      frame.emitted = 0;
    }
    sp++;
  };

  // Records repeat their keys: encode each short key once per document, not once per record.
  const keyCache = new Map<string, Uint8Array>();
  // A cached member must fit in one chunk: each character takes at most 6 bytes (an escape).
  const maxCachedKey = Math.min(MAX_CACHED_KEY, Math.floor((chunkSize - 4) / 6));
  const writeKey = (key: string): void => {
    let encoded = keyCache.get(key);
    if (encoded === undefined) {
      if (key.length > maxCachedKey || keyCache.size >= MAX_CACHED_KEYS) {
        out.string(key);
        out.byte(COLON);
        if (indent > 0) out.byte(SPACE);
        return;
      }
      const member = new ChunkWriter(MAX_CACHED_KEY * 6 + 4);
      member.string(key);
      member.byte(COLON);
      if (indent > 0) member.byte(SPACE);
      member.flush();
      encoded = member.ready[0] as Uint8Array;
      keyCache.set(key, encoded);
    }
    out.raw(encoded);
  };

  const newline = (depth: number): void => {
    out.byte(NEWLINE);
    out.repeat(SPACE, depth * indent);
  };

  const enter = (value: object): void => {
    const scan = Math.min(sp, SCAN_DEPTH);
    for (let i = 0; i < scan; i++) {
      if ((frames[i] as Frame).value === value) {
        throw encodeFailure("cycle", "cannot encode a circular structure as JSON");
      }
    }
    if (sp > SCAN_DEPTH && deepActive.has(value)) {
      throw encodeFailure("cycle", "cannot encode a circular structure as JSON");
    }
  };

  /** Writes an already prepared, serializable value, or opens a frame for it. */
  const writeValue = (value: unknown): void => {
    switch (typeof value) {
      case "string":
        if (value.length <= stringSegment) {
          out.string(value);
        } else {
          out.byte(QUOTE);
          push(STRING, undefined, undefined, value.length);
          (frames[sp - 1] as Frame).text = value;
        }
        return;
      case "number":
        out.number(value);
        return;
      case "boolean":
        out.ascii(value ? "true" : "false");
        return;
      case "bigint":
        throw encodeFailure(
          "bigint",
          "cannot encode a BigInt as JSON",
          new TypeError("Do not know how to serialize a BigInt"),
        );
      default:
        break;
    }
    if (value === null) {
      out.ascii("null");
      return;
    }
    const object = value as object;
    enter(object);
    if (native && writeNative(object)) return;
    if (Array.isArray(object)) {
      const length = object.length;
      if (length === 0) {
        out.ascii("[]");
        return;
      }
      out.byte(0x5b);
      if (sp >= SCAN_DEPTH) deepActive.add(object);
      push(ARRAY, object, undefined, length);
      return;
    }
    if (isRawJson?.(object) === true) {
      out.text((object as { rawJSON: string }).rawJSON);
      return;
    }
    let keys = keyOrder?.(object);
    if (keys === undefined) {
      const own = Object.keys(object);
      if (stableKeys && own.length > 1) own.sort();
      keys = own;
    }
    if (keys.length === 0) {
      out.ascii("{}");
      return;
    }
    out.byte(0x7b);
    if (sp >= SCAN_DEPTH) deepActive.add(object);
    push(OBJECT, object, keys, keys.length);
  };

  const pathOf = (): Array<string | number> => {
    const path: Array<string | number> = [];
    for (let i = 0; i < sp; i++) {
      const frame = frames[i] as Frame;
      if (frame.kind === ARRAY) path.push(frame.index - 1);
      else if (frame.kind === OBJECT)
        path.push((frame.keys as readonly string[])[frame.index - 1] as string);
    }
    return path;
  };

  try {
    const first = prepare(root, "");
    if (first === SKIP) {
      throw encodeFailure(
        "not-serializable",
        `cannot encode ${typeof root} as JSON: JSON.stringify would return undefined`,
      );
    }
    writeValue(first);
  } catch (error) {
    throw wrap(error, []);
  }

  while (sp > 0) {
    try {
      const frame = frames[sp - 1] as Frame;
      if (frame.kind === ARRAY) {
        const i = frame.index;
        const run = batchable ? plainRun(frame.value as unknown[], i, frame.length) : i;
        if (run > i + 1) {
          // Several plain elements in a row: one engine call for all of them, brackets dropped.
          frame.index = run;
          if (i > 0) out.byte(COMMA);
          const json = JSON.stringify((frame.value as unknown[]).slice(i, run));
          out.wellFormed(json.slice(1, -1));
        } else if (i < frame.length) {
          frame.index = i + 1;
          if (i > 0) out.byte(COMMA);
          if (indent > 0) newline(sp);
          const value = prepare((frame.value as unknown[])[i], i);
          if (value === SKIP) out.ascii("null");
          else writeValue(value);
        } else {
          if (indent > 0) newline(sp - 1);
          out.byte(0x5d);
          if (sp > SCAN_DEPTH) deepActive.delete(frame.value);
          frame.value = undefined;
          sp--;
        }
      } else if (frame.kind === OBJECT) {
        const keys = frame.keys as readonly string[];
        const i = frame.index;
        if (i < frame.length) {
          frame.index = i + 1;
          const key = keys[i] as string;
          const value = prepare((frame.value as Record<string, unknown>)[key], key);
          if (value === SKIP) {
            silent++;
          } else {
            if (frame.emitted > 0) out.byte(COMMA);
            frame.emitted++;
            if (indent > 0) newline(sp);
            writeKey(key);
            writeValue(value);
          }
        } else {
          if (frame.emitted > 0 && indent > 0) newline(sp - 1);
          out.byte(0x7d);
          if (sp > SCAN_DEPTH) deepActive.delete(frame.value);
          frame.value = undefined;
          frame.keys = undefined;
          sp--;
        }
      } else {
        const end = Math.min(frame.index + stringSegment, frame.length);
        frame.index = out.stringPart(frame.text, frame.index, end);
        if (frame.index >= frame.length) {
          out.byte(QUOTE);
          frame.text = "";
          sp--;
        }
      }
    } catch (error) {
      throw wrap(error, pathOf());
    }
    if (out.pending >= stepBytes) out.take();
    if (out.ready.length > 0) {
      silent = 0;
      yield* drain(out.ready);
    } else if (silent >= maxSilentVisits) {
      // Members that produce no output still cost work; yield so the step stays bounded.
      silent = 0;
      if (out.pending > 0) {
        out.take();
        yield* drain(out.ready);
      } else {
        yield EMPTY;
      }
    }
  }
  out.finish();
  yield* drain(out.ready);
}

function* drain(ready: Uint8Array[]): Generator<Uint8Array, void, undefined> {
  for (let i = 0; i < ready.length; i++) yield ready[i] as Uint8Array;
  ready.length = 0;
}

function wrap(error: unknown, path: Array<string | number>): PersistenceError {
  if (isPersistenceError(error)) {
    if (error.code !== "ERR_ENCODE" || error.details?.path !== undefined) return error;
    return new PersistenceError("ERR_ENCODE", `${error.message} (at ${formatPath(path)})`, {
      stage: "encode",
      details: { ...error.details, path },
      cause: error.cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PersistenceError(
    "ERR_ENCODE",
    `cannot encode value at ${formatPath(path)}: ${message}`,
    {
      stage: "encode",
      details: { reason: "threw", path },
      cause: error,
    },
  );
}

function formatPath(path: ReadonlyArray<string | number>): string {
  let text = "$";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${part}`;
  return text;
}
