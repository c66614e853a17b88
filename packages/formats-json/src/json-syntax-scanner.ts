/** Where and why a byte sequence is not JSON text. */
export interface JsonSyntaxProblem {
  /** Byte offset of the offending byte (the input length when it ended too early). */
  readonly offset: number;
  /** What was wrong there. */
  readonly message: string;
  /** True when the input ended before the value was complete. */
  readonly truncated: boolean;
}

/**
 * Returns the byte offset of the first ill-formed UTF-8 sequence at or after `start` (the offset of
 * its first byte), or -1 when the bytes are well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).
 */
export function findInvalidUtf8(bytes: Uint8Array, start: number): number {
  const n = bytes.length;
  let i = start;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

const EXPECT_VALUE = 0;
const EXPECT_KEY = 1;
const AFTER_VALUE = 2;
const IN_ARRAY = 0;
const IN_OBJECT = 1;

const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isHex = (b: number): boolean =>
  isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

class SyntaxProblem {
  constructor(
    readonly offset: number,
    readonly message: string,
    readonly truncated: boolean,
  ) {}
}

const utf8 = new TextDecoder();

function describe(bytes: Uint8Array, at: number): string {
  const b = bytes[at] as number;
  if (b >= 0x21 && b < 0x7f) return `"${String.fromCharCode(b)}"`;
  if (b >= 0xc2) {
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return `character ${JSON.stringify(utf8.decode(bytes.subarray(at, at + length)))}`;
  }
  return `byte 0x${b.toString(16).padStart(2, "0")}`;
}

/**
 * Validates JSON text (RFC 8259) in well-formed UTF-8 `bytes` from `start`, without recursion, and
 * returns the first problem, or `undefined` when the text is valid. Used to locate the error after
 * `JSON.parse` rejected the text, because engines word (and place) their messages differently.
 */
export function findJsonSyntaxError(
  bytes: Uint8Array,
  start: number,
): JsonSyntaxProblem | undefined {
  const n = bytes.length;
  const stack: number[] = [];
  let i = start;
  let state = EXPECT_VALUE;

  const end = (what: string): SyntaxProblem =>
    new SyntaxProblem(n, `unexpected end of input, expected ${what}`, true);
  const unexpected = (at: number, what: string): SyntaxProblem =>
    at >= n
      ? end(what)
      : new SyntaxProblem(at, `unexpected ${describe(bytes, at)}, expected ${what}`, false);

  const skipWhitespace = (): void => {
    while (i < n && isWhitespace(bytes[i] as number)) i++;
  };

  const scanString = (): SyntaxProblem | undefined => {
    i++;
    while (true) {
      if (i >= n) return end('a closing quote (")');
      const b = bytes[i] as number;
      if (b === 0x22) {
        i++;
        return undefined;
      }
      if (b === 0x5c) {
        i++;
        if (i >= n) return end("an escape sequence");
        const e = bytes[i] as number;
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n) return end("four hex digits after \\u");
            if (!isHex(bytes[i + k] as number)) return unexpected(i + k, "a hex digit");
          }
          i += 5;
        } else if (
          e === 0x22 ||
          e === 0x5c ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i++;
        } else {
          return unexpected(i, "a valid escape character");
        }
        continue;
      }
      if (b < 0x20)
        return new SyntaxProblem(
          i,
          `unescaped control character ${describe(bytes, i)} in string`,
          false,
        );
      i++;
    }
  };

  const scanDigits = (what: string): SyntaxProblem | undefined => {
    if (i >= n || !isDigit(bytes[i] as number)) return unexpected(i, what);
    while (i < n && isDigit(bytes[i] as number)) i++;
    return undefined;
  };

  const scanNumber = (): SyntaxProblem | undefined => {
    if (bytes[i] === 0x2d) i++;
    if (i >= n) return end("a digit");
    if (bytes[i] === 0x30) {
      i++;
    } else {
      const problem = scanDigits("a digit");
      if (problem) return problem;
    }
    if (i < n && bytes[i] === 0x2e) {
      i++;
      const problem = scanDigits("a digit after the decimal point");
      if (problem) return problem;
    }
    if (i < n && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
      i++;
      if (i < n && (bytes[i] === 0x2b || bytes[i] === 0x2d)) i++;
      const problem = scanDigits("a digit in the exponent");
      if (problem) return problem;
    }
    return undefined;
  };

  const scanLiteral = (word: string): SyntaxProblem | undefined => {
    for (let k = 0; k < word.length; k++) {
      if (i >= n) return end(`"${word}"`);
      if (bytes[i] !== word.charCodeAt(k)) return unexpected(i, `"${word}"`);
      i++;
    }
    return undefined;
  };

  const scanValue = (): SyntaxProblem | undefined => {
    const b = bytes[i] as number;
    switch (b) {
      case 0x22:
        return scanString();
      case 0x74:
        return scanLiteral("true");
      case 0x66:
        return scanLiteral("false");
      case 0x6e:
        return scanLiteral("null");
      default:
        if (b === 0x2d || isDigit(b)) return scanNumber();
        return unexpected(i, "a JSON value");
    }
  };

  while (true) {
    skipWhitespace();
    if (state === EXPECT_VALUE) {
      if (i >= n) return end("a JSON value");
      const b = bytes[i] as number;
      if (b === 0x7b) {
        i++;
        skipWhitespace();
        if (i < n && bytes[i] === 0x7d) {
          i++;
          state = AFTER_VALUE;
        } else {
          stack.push(IN_OBJECT);
          state = EXPECT_KEY;
        }
      } else if (b === 0x5b) {
        i++;
        skipWhitespace();
        if (i < n && bytes[i] === 0x5d) {
          i++;
          state = AFTER_VALUE;
        } else {
          stack.push(IN_ARRAY);
        }
      } else {
        const problem = scanValue();
        if (problem) return problem;
        state = AFTER_VALUE;
      }
    } else if (state === EXPECT_KEY) {
      if (i >= n) return end("a property name");
      if (bytes[i] !== 0x22) return unexpected(i, "a property name in double quotes");
      const problem = scanString();
      if (problem) return problem;
      skipWhitespace();
      if (i >= n) return end('":"');
      if (bytes[i] !== 0x3a) return unexpected(i, '":" after a property name');
      i++;
      state = EXPECT_VALUE;
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (i < n) return unexpected(i, "the end of input after the JSON value");
        return undefined;
      }
      const close = top === IN_ARRAY ? 0x5d : 0x7d;
      const expected = top === IN_ARRAY ? '"," or "]"' : '"," or "}"';
      if (i >= n) return end(expected);
      const b = bytes[i] as number;
      if (b === 0x2c) {
        i++;
        state = top === IN_ARRAY ? EXPECT_VALUE : EXPECT_KEY;
      } else if (b === close) {
        i++;
        stack.pop();
      } else {
        return unexpected(i, expected);
      }
    }
  }
}

/**
 * 1-based line and column of byte `offset`: lines end at LF, and the column counts Unicode code
 * points from the start of the line (a leading byte-order mark at `start` is not counted).
 */
export function lineAndColumn(
  bytes: Uint8Array,
  start: number,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let column = 1;
  const stop = Math.min(offset, bytes.length);
  for (let i = start; i < stop; i++) {
    const b = bytes[i] as number;
    if (b === 0x0a) {
      line++;
      column = 1;
    } else if ((b & 0xc0) !== 0x80) {
      column++;
    }
  }
  return { line, column };
}

const keyDecoder = new TextDecoder();

/** Index after the JSON string starting at `i` (valid JSON assumed). */
function skipString(bytes: Uint8Array, from: number): number {
  let i = from + 1;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x5c) i += 2;
    else if (b === 0x22) return i + 1;
    else i++;
  }
  return i;
}

function skipSpace(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && isWhitespace(bytes[i] as number)) i++;
  return i;
}

/** Index after the JSON value starting at `i` (valid JSON assumed), without recursion. */
function skipValue(bytes: Uint8Array, from: number): number {
  let i = from;
  let depth = 0;
  do {
    const b = bytes[i] as number;
    if (b === 0x22) {
      i = skipString(bytes, i);
    } else if (b === 0x7b || b === 0x5b) {
      depth++;
      i++;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
      i++;
    } else if (depth > 0) {
      i++;
    } else {
      while (i < bytes.length) {
        const c = bytes[i] as number;
        if (c === 0x2c || c === 0x5d || c === 0x7d || isWhitespace(c)) break;
        i++;
      }
    }
  } while (depth > 0 && i < bytes.length);
  return i;
}

/**
 * Byte offset of the value at `path` in valid JSON text starting at `start` (the last occurrence
 * of a duplicated key, as `JSON.parse` keeps it), or `undefined` when the path is not there.
 */
export function findValueOffset(
  bytes: Uint8Array,
  start: number,
  path: readonly PropertyKey[],
): number | undefined {
  let i = skipSpace(bytes, start);
  for (const segment of path) {
    const b = bytes[i];
    if (b === 0x5b) {
      const index = typeof segment === "number" ? segment : Number(String(segment));
      if (!Number.isInteger(index) || index < 0) return undefined;
      i = skipSpace(bytes, i + 1);
      if (bytes[i] === 0x5d) return undefined;
      for (let k = 0; k < index; k++) {
        i = skipSpace(bytes, skipValue(bytes, i));
        if (bytes[i] !== 0x2c) return undefined;
        i = skipSpace(bytes, i + 1);
      }
    } else if (b === 0x7b) {
      if (typeof segment === "symbol") return undefined;
      const wanted = String(segment);
      let found: number | undefined;
      i = skipSpace(bytes, i + 1);
      while (bytes[i] === 0x22) {
        const keyEnd = skipString(bytes, i);
        const key = JSON.parse(keyDecoder.decode(bytes.subarray(i, keyEnd))) as string;
        i = skipSpace(bytes, skipSpace(bytes, keyEnd) + 1);
        if (key === wanted) found = i;
        i = skipSpace(bytes, skipValue(bytes, i));
        if (bytes[i] !== 0x2c) break;
        i = skipSpace(bytes, i + 1);
      }
      if (found === undefined) return undefined;
      i = found;
    } else {
      return undefined;
    }
  }
  return i;
}
