import { Buffer } from "node:buffer";
import type { JsonOp } from "./json-op.js";
import { isPlainObject } from "./json-ops-encoder.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Thrown when a batch cannot be parsed at once; the caller decodes its payloads one by one. */
export class NotBatchable extends Error {}

type ValueOp = JsonOp & { value: unknown };

/**
 * The values of many ops' frames, copied into one JSON array text and parsed with one
 * `JSON.parse` instead of one call (and one string) per value, which for small values costs more
 * than the parse itself.
 *
 * Each value is copied only if it is self-contained: outside its strings, its brackets balance
 * without going below zero and it has no comma at its top level. Then, when the array text parses,
 * its top-level commas are exactly the ones put between the values, so element i is the text of
 * value i, and a text parses as an array element exactly when it parses alone: the result is what
 * `JSON.parse` of each value gives. Any value that is not self-contained, bytes that are not
 * UTF-8, a text that does not parse or a merge value that is not an object throw, and the caller
 * decodes one by one, which throws the error of the damaged op.
 */
export class DeferredValues {
  readonly #ops: ValueOp[] = [];
  #text: Buffer;
  #at = 1;
  #ascii = true;

  /**
   * `capacity`: the bytes of the payloads the values come from, plus 2 for the brackets, is enough
   * (a value and its comma take less than the frame around the value); more is allocated if needed.
   */
  constructor(capacity: number) {
    this.#text = Buffer.allocUnsafe(Math.max(capacity, 2));
  }

  /** Takes the value of `op` from `bytes[start, end)` (a put's or a merge's). */
  add(op: JsonOp, bytes: Buffer, start: number, end: number): void {
    const need = this.#at + (end - start) + 2;
    if (need > this.#text.length) this.#grow(need);
    const text = this.#text;
    let at = this.#at;
    if (this.#ops.length > 0) text[at++] = COMMA;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let high = 0;
    for (let i = start; i < end; i++) {
      const b = bytes[i] as number;
      text[at++] = b;
      high |= b;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_ARRAY || b === OPEN_OBJECT) depth++;
      else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
        if (--depth < 0) throw new NotBatchable("a value closes more than it opens");
      } else if (b === COMMA && depth === 0)
        throw new NotBatchable("a comma at a value's top level");
    }
    if (inString || depth !== 0) throw new NotBatchable("a value does not close what it opens");
    if (high >= 0x80) this.#ascii = false;
    this.#at = at;
    this.#ops.push(op as ValueOp);
  }

  /** Parses the values and sets each op's. */
  parse(): void {
    const ops = this.#ops;
    if (ops.length === 0) return;
    const text = this.#text;
    text[0] = OPEN_ARRAY;
    text[this.#at] = CLOSE_ARRAY;
    const end = this.#at + 1;
    const json = this.#ascii
      ? text.toString("latin1", 0, end)
      : strictUtf8.decode(text.subarray(0, end));
    const values = JSON.parse(json) as unknown[];
    if (!Array.isArray(values) || values.length !== ops.length) {
      throw new NotBatchable("the values did not parse one to one");
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as ValueOp;
      const value = values[i];
      if (op.op === "merge" && !isPlainObject(value)) {
        throw new NotBatchable("the value of a merge is not an object");
      }
      op.value = value;
    }
  }

  #grow(need: number): void {
    let size = this.#text.length * 2;
    while (size < need) size *= 2;
    const text = Buffer.allocUnsafe(size);
    text.set(this.#text.subarray(0, this.#at));
    this.#text = text;
  }
}
