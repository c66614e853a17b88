import type { ChunkWriter } from "@snapwrite/core/codec-kit";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";
/** Most bytes one UTF-16 unit takes in a JSON string (`\uXXXX`). */
const MAX_UNIT_BYTES = 6;

/** Writes a complete quoted JSON string, escaped as `JSON.stringify` escapes it. */
export function writeJsonString(out: ChunkWriter, s: string): void {
  const length = s.length;
  if (length * MAX_UNIT_BYTES + 2 <= out.room) {
    out.begin(length * MAX_UNIT_BYTES + 2);
    out.buffer[out.pos++] = QUOTE;
    escapeUnits(out, s, 0, length);
    out.buffer[out.pos++] = QUOTE;
    out.end();
    return;
  }
  out.u8(QUOTE);
  writeJsonStringPart(out, s, 0, length);
  out.u8(QUOTE);
}

/**
 * Writes the escaped UTF-8 of `s[start, end)` without quotes, as `JSON.stringify` escapes it
 * (lone surrogates as `\udxxx`). Returns the index after the last unit written, which is `end + 1`
 * when a surrogate pair straddles `end`.
 */
export function writeJsonStringPart(
  out: ChunkWriter,
  s: string,
  start: number,
  end: number,
): number {
  let i = start;
  while (i < end) {
    const units = Math.min(end - i, Math.floor(out.room / MAX_UNIT_BYTES));
    // Less room than one unit may take: write one unit (or pair) through the writer's scratch,
    // which splits its bytes between this chunk and the next.
    out.begin(units > 0 ? units * MAX_UNIT_BYTES : MAX_UNIT_BYTES);
    i = escapeUnits(out, s, i, units > 0 ? i + units : i + 1);
    out.end();
  }
  return i;
}

/**
 * Writes the escaped UTF-8 of `s[start, end)` at `out.buffer[out.pos]`, inside a `begin()` block
 * of `6 * (end - start)` bytes. A surrogate pair at `end - 1` is written whole (4 bytes).
 */
function escapeUnits(out: ChunkWriter, s: string, start: number, end: number): number {
  const buf = out.buffer;
  let pos = out.pos;
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
        buf[pos++] = c;
        continue;
      }
      buf[pos++] = BACKSLASH;
      switch (c) {
        case QUOTE:
          buf[pos++] = QUOTE;
          break;
        case BACKSLASH:
          buf[pos++] = BACKSLASH;
          break;
        case 0x08:
          buf[pos++] = 0x62; // b
          break;
        case 0x09:
          buf[pos++] = 0x74; // t
          break;
        case 0x0a:
          buf[pos++] = 0x6e; // n
          break;
        case 0x0c:
          buf[pos++] = 0x66; // f
          break;
        case 0x0d:
          buf[pos++] = 0x72; // r
          break;
        default:
          pos = writeUnicodeEscape(buf, pos, c);
      }
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else {
      const next = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[pos++] = 0xf0 | (cp >> 18);
        buf[pos++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[pos++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        buf[pos++] = BACKSLASH;
        pos = writeUnicodeEscape(buf, pos, c);
      }
    }
  }
  out.pos = pos;
  return i;
}

function writeUnicodeEscape(buf: Uint8Array, at: number, c: number): number {
  let pos = at;
  buf[pos++] = 0x75; // u
  buf[pos++] = HEX.charCodeAt((c >> 12) & 0xf);
  buf[pos++] = HEX.charCodeAt((c >> 8) & 0xf);
  buf[pos++] = HEX.charCodeAt((c >> 4) & 0xf);
  buf[pos++] = HEX.charCodeAt(c & 0xf);
  return pos;
}

/** Writes a number exactly as `JSON.stringify` does: non-finite as `null`, `-0` as `0`. */
export function writeJsonNumber(out: ChunkWriter, n: number): void {
  if (Number.isSafeInteger(n)) {
    writeSafeInteger(out, n);
  } else if (Number.isFinite(n)) {
    out.ascii(String(n));
  } else {
    out.ascii("null");
  }
}

function writeSafeInteger(out: ChunkWriter, n: number): void {
  // Safe integers have at most 16 digits plus a sign; writing digits avoids a string per number.
  out.begin(17);
  const buf = out.buffer;
  let pos = out.pos;
  let value = n;
  if (value < 0) {
    buf[pos++] = 0x2d;
    value = -value;
  }
  if (value < 10) {
    buf[pos++] = 0x30 + value;
  } else {
    let digits = 0;
    for (let rest = value; rest > 0; rest = Math.floor(rest / 10)) digits++;
    pos += digits;
    let at = pos;
    for (let rest = value; rest > 0; rest = Math.floor(rest / 10)) {
      buf[--at] = 0x30 + (rest % 10);
    }
  }
  out.pos = pos;
  out.end();
}
