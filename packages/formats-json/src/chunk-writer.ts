const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";
const encoder = new TextEncoder();

/**
 * Writes UTF-8 straight into fixed-size chunk buffers. A full buffer is moved to `ready` and a
 * fresh one is allocated, because a yielded chunk is handed over (docs/architecture.md#executors) and never reused.
 * {@link ChunkWriter.take} hands over the bytes written so far as a view of the current buffer and
 * keeps writing after them in the same buffer: the handed-over bytes are never written again, so a
 * step can end early without a copy or a new buffer.
 * Every write first reserves room for its largest token, so no chunk exceeds `size` bytes.
 */
export class ChunkWriter {
  readonly size: number;
  /** Chunks completed since the consumer last took them. */
  readonly ready: Uint8Array[] = [];
  private buf: Uint8Array;
  /** A `Buffer` over `buf`, for its native UTF-8 writer. */
  private view: Buffer;
  private pos = 0;
  /** Bytes of `buf` before this offset were handed over by {@link ChunkWriter.take}. */
  private start = 0;

  constructor(size: number) {
    this.size = size;
    this.buf = new Uint8Array(size);
    this.view = Buffer.from(this.buf.buffer, 0, size);
  }

  /** Bytes written and not handed over yet. */
  get pending(): number {
    return this.pos - this.start;
  }

  /**
   * Moves the bytes written so far, if any, to `ready` and makes the whole chunk size available
   * again. A buffer that is at least half full is handed over as is; a smaller remainder is copied
   * out so a tiny chunk does not pin a whole buffer (unless part of it is handed over already).
   */
  flush(): void {
    const pos = this.pos;
    const start = this.start;
    if (start === 0) {
      if (pos === 0) return;
      this.pos = 0;
      if (pos * 2 < this.size) {
        this.ready.push(this.buf.slice(0, pos));
        return;
      }
      this.ready.push(pos === this.size ? this.buf : this.buf.subarray(0, pos));
    } else if (pos > start) {
      this.ready.push(this.buf.subarray(start, pos));
    }
    this.pos = 0;
    this.start = 0;
    this.buf = new Uint8Array(this.size);
    this.view = Buffer.from(this.buf.buffer, 0, this.size);
  }

  /**
   * Moves the bytes written since the last hand-over, if any, to `ready` as a view of the current
   * buffer, without a copy; later writes go after them.
   */
  take(): void {
    const pos = this.pos;
    if (pos === this.start) return;
    this.ready.push(this.buf.subarray(this.start, pos));
    this.start = pos;
  }

  /** Hands over what is left at the end of the output: a copy only if nothing was taken before. */
  finish(): void {
    if (this.start === 0) this.flush();
    else this.take();
  }

  /**
   * Writes well-formed text (JSON text from `JSON.stringify`, which escapes lone surrogates) as
   * UTF-8 with the engine's encoder, across chunks when it does not fit. A lone surrogate, if any,
   * would become U+FFFD, as {@link ChunkWriter.text} writes it.
   */
  wellFormed(s: string): void {
    // Each UTF-16 unit takes at most 3 bytes (a surrogate pair: 4 bytes for 2 units).
    if (this.pos + s.length * 3 <= this.size) {
      this.pos += this.view.write(s, this.pos);
      return;
    }
    let rest = s;
    while (true) {
      const { read, written } = encoder.encodeInto(rest, this.buf.subarray(this.pos));
      this.pos += written;
      if (read >= rest.length) return;
      rest = rest.slice(read);
      this.flush();
    }
  }

  byte(b: number): void {
    if (this.pos >= this.size) this.flush();
    this.buf[this.pos++] = b;
  }

  /** Writes a string known to be ASCII without escapes (literals, number text), length < size. */
  ascii(text: string): void {
    const length = text.length;
    if (this.pos + length > this.size) this.flush();
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Copies `data` (at most `size` bytes) into the output. */
  raw(data: Uint8Array): void {
    const length = data.length;
    if (length > this.size) {
      for (let i = 0; i < length; i++) this.byte(data[i] as number);
      return;
    }
    if (this.pos + length > this.size) this.flush();
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = data[i] as number;
    this.pos = pos;
  }

  /** Writes `count` copies of `b` (indentation), across chunks if needed. */
  repeat(b: number, count: number): void {
    let left = count;
    while (left > 0) {
      if (this.pos >= this.size) this.flush();
      const n = Math.min(left, this.size - this.pos);
      this.buf.fill(b, this.pos, this.pos + n);
      this.pos += n;
      left -= n;
    }
  }

  /** Writes a number exactly as `JSON.stringify` does: non-finite as `null`, `-0` as `0`. */
  number(n: number): void {
    if (Number.isSafeInteger(n)) {
      this.integer(n);
    } else if (Number.isFinite(n)) {
      this.ascii(String(n));
    } else {
      this.ascii("null");
    }
  }

  private integer(n: number): void {
    // Safe integers have at most 16 digits plus a sign; writing digits avoids a string per number.
    if (this.pos + 17 > this.size) this.flush();
    const buf = this.buf;
    let value = n;
    if (value < 0) {
      buf[this.pos++] = 0x2d;
      value = -value;
    }
    if (value < 10) {
      buf[this.pos++] = 0x30 + value;
      return;
    }
    let digits = 0;
    for (let rest = value; rest > 0; rest = Math.floor(rest / 10)) digits++;
    let at = this.pos + digits;
    this.pos = at;
    for (let rest = value; rest > 0; rest = Math.floor(rest / 10)) {
      buf[--at] = 0x30 + (rest % 10);
    }
  }

  /**
   * Writes `s` as UTF-8 without escaping (raw JSON text). Lone surrogates become U+FFFD, as
   * `Buffer.from(string)` and `TextEncoder` turn them.
   */
  text(s: string): void {
    const length = s.length;
    for (let i = 0; i < length; i++) {
      if (this.pos + 4 > this.size) this.flush();
      const buf = this.buf;
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[this.pos++] = c;
      } else if (c < 0x800) {
        buf[this.pos++] = 0xc0 | (c >> 6);
        buf[this.pos++] = 0x80 | (c & 0x3f);
      } else {
        let cp = c;
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = c <= 0xdbff && i + 1 < length ? s.charCodeAt(i + 1) : 0;
          if (next >= 0xdc00 && next <= 0xdfff) {
            cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
          } else {
            cp = 0xfffd;
          }
        }
        if (cp < 0x10000) {
          buf[this.pos++] = 0xe0 | (cp >> 12);
          buf[this.pos++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[this.pos++] = 0x80 | (cp & 0x3f);
        } else {
          buf[this.pos++] = 0xf0 | (cp >> 18);
          buf[this.pos++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[this.pos++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[this.pos++] = 0x80 | (cp & 0x3f);
        }
      }
    }
  }

  /** Writes a complete quoted JSON string. */
  string(s: string): void {
    this.byte(QUOTE);
    this.stringPart(s, 0, s.length);
    this.byte(QUOTE);
  }

  /**
   * Writes the escaped UTF-8 of `s[start, end)` without quotes, as `JSON.stringify` escapes it
   * (lone surrogates as `\udxxx`). Returns the index after the last unit written, which is `end + 1`
   * when a surrogate pair straddles `end`.
   */
  stringPart(s: string, start: number, end: number): number {
    const size = this.size;
    let buf = this.buf;
    let pos = this.pos;
    let i = start;
    for (; i < end; i++) {
      if (pos + 6 > size) {
        this.pos = pos;
        this.flush();
        buf = this.buf;
        pos = 0;
      }
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
    this.pos = pos;
    return i;
  }
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
