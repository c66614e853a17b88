import { type ChunkWriter, createChunkWriter } from "@snapwrite/core/codec-kit";
import { encodeErrorAt, encodeFailure } from "./encode-failure.js";
import { JsonKeyWriter } from "./json-key-writer.js";
import { writeJsonNumber, writeJsonString, writeJsonStringPart } from "./json-text-writer.js";
import { nativePathAllowed, PlainDataCheck } from "./plain-data.js";
import { prepareJsonValue as prepare, SKIP } from "./prepare-json-value.js";

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
const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const EMPTY = new Uint8Array(0);
const SCAN_DEPTH = 32;

/**
 * Streams `JSON.stringify(value, null, indent)` as UTF-8 chunks. An explicit stack replaces
 * recursion, so depth only costs heap. Each step (one `next()`) ends as soon as `stepBytes` were
 * written (or a chunk is full) or `maxSilentVisits` members were left out; every other visit writes
 * at least one byte, a long string is written in segments and a native write is bounded by
 * the budget of {@link PlainDataCheck}, so a step does work bounded by `stepBytes` plus one member.
 */
export function* encodeJson(
  root: unknown,
  settings: JsonEncoderSettings,
  keyOrder?: (holder: object) => readonly string[] | undefined,
): Generator<Uint8Array, void, undefined> {
  const { indent, stableKeys, chunkSize, stepBytes, stringSegment, maxSilentVisits, isRawJson } =
    settings;
  const out = createChunkWriter({ chunkSize, zeroFill: true });
  const frames: Frame[] = [];
  // Ancestors are checked by scanning the frames while the stack is shallow (the usual case,
  // cheaper than hashing); containers deeper than SCAN_DEPTH also go into a set.
  const deepActive = new Set<unknown>();
  let sp = 0;
  let silent = 0;

  // The native path (see PlainDataCheck): plain data written by the engine's JSON.stringify.
  const native = nativePathAllowed(stableKeys);
  const plain = new PlainDataCheck();
  // Compact output: consecutive plain containers of an array are written by one engine call,
  // within the same budget as one member.
  const batchable = native && indent === 0;
  const pads: string[] = [];
  const writeNative = (value: object): boolean => {
    if (!plain.container(value)) return false;
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
    out.utf8(json);
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

  const keyWriter = new JsonKeyWriter(chunkSize, indent);

  const newline = (depth: number): void => {
    out.u8(NEWLINE);
    out.fill(SPACE, depth * indent);
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
          writeJsonString(out, value);
        } else {
          out.u8(QUOTE);
          push(STRING, undefined, undefined, value.length);
          (frames[sp - 1] as Frame).text = value;
        }
        return;
      case "number":
        writeJsonNumber(out, value);
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
      out.u8(0x5b);
      if (sp >= SCAN_DEPTH) deepActive.add(object);
      push(ARRAY, object, undefined, length);
      return;
    }
    if (isRawJson?.(object) === true) {
      out.utf8((object as { rawJSON: string }).rawJSON);
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
    out.u8(0x7b);
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
    throw encodeErrorAt(error, []);
  }

  while (sp > 0) {
    try {
      const frame = frames[sp - 1] as Frame;
      if (frame.kind === ARRAY) {
        const i = frame.index;
        const run = batchable ? plain.run(frame.value as unknown[], i, frame.length) : i;
        if (run > i + 1) {
          // Several plain elements in a row: one engine call for all of them, brackets dropped.
          frame.index = run;
          if (i > 0) out.u8(COMMA);
          const json = JSON.stringify((frame.value as unknown[]).slice(i, run));
          out.utf8(json.slice(1, -1));
        } else if (i < frame.length) {
          frame.index = i + 1;
          if (i > 0) out.u8(COMMA);
          if (indent > 0) newline(sp);
          const value = prepare((frame.value as unknown[])[i], i);
          if (value === SKIP) out.ascii("null");
          else writeValue(value);
        } else {
          if (indent > 0) newline(sp - 1);
          out.u8(0x5d);
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
            if (frame.emitted > 0) out.u8(COMMA);
            frame.emitted++;
            if (indent > 0) newline(sp);
            keyWriter.write(out, key);
            writeValue(value);
          }
        } else {
          if (frame.emitted > 0 && indent > 0) newline(sp - 1);
          out.u8(0x7d);
          if (sp > SCAN_DEPTH) deepActive.delete(frame.value);
          frame.value = undefined;
          frame.keys = undefined;
          sp--;
        }
      } else {
        const end = Math.min(frame.index + stringSegment, frame.length);
        frame.index = writeJsonStringPart(out, frame.text, frame.index, end);
        if (frame.index >= frame.length) {
          out.u8(QUOTE);
          frame.text = "";
          sp--;
        }
      }
    } catch (error) {
      throw encodeErrorAt(error, pathOf());
    }
    if (out.pending >= stepBytes) out.take();
    if (out.readyCount > 0) {
      silent = 0;
      yield* drain(out);
    } else if (silent >= maxSilentVisits) {
      // Members that produce no output still cost work; yield so the step stays bounded.
      silent = 0;
      if (out.pending > 0) {
        out.take();
        yield* drain(out);
      } else {
        yield EMPTY;
      }
    }
  }
  const last = out.finish();
  yield* drain(out);
  if (last !== undefined) yield last;
}

function* drain(out: ChunkWriter): Generator<Uint8Array, void, undefined> {
  for (let chunk = out.takeReady(); chunk !== undefined; chunk = out.takeReady()) yield chunk;
}
