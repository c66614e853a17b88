import { md4Blocks } from "./md4-blocks.js";

/** An incremental MD4 computation (RFC 1320), for hashing data that arrives in pieces. */
export interface Md4Hasher {
  /** Feeds more bytes; returns the same hasher so calls can be chained. */
  update(data: Uint8Array): Md4Hasher;
  /** Finishes the computation and returns the 16-byte digest; the hasher cannot be used after. */
  digest(): Uint8Array;
  /** Number of bytes fed so far. */
  readonly length: number;
}

const INITIAL = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];

/**
 * Creates an incremental MD4 hasher. Node's OpenSSL build has no MD4, so this is a plain
 * TypeScript implementation working on 32-bit words; it allocates only its own 64-byte buffer.
 *
 * @example
 * ```ts
 * const h = createMd4();
 * h.update(part1).update(part2);
 * const digest = h.digest(); // 16 bytes
 * ```
 */
export function createMd4(): Md4Hasher {
  const state = Int32Array.from(INITIAL);
  const buffer = new Uint8Array(64);
  const bufferView = new DataView(buffer.buffer);
  let buffered = 0;
  let length = 0;
  let finished = false;

  const hasher: Md4Hasher = {
    get length() {
      return length;
    },
    update(data: Uint8Array): Md4Hasher {
      if (finished) throw new TypeError("MD4 hasher already finished: digest() was called");
      if (!(data instanceof Uint8Array)) throw new TypeError("MD4 input must be a Uint8Array");
      let pos = 0;
      const n = data.length;
      length += n;
      if (buffered > 0) {
        const take = Math.min(64 - buffered, n);
        buffer.set(data.subarray(0, take), buffered);
        buffered += take;
        pos = take;
        if (buffered < 64) return hasher;
        md4Blocks(state, bufferView, 0, 1);
        buffered = 0;
      }
      const blocks = (n - pos) >>> 6;
      if (blocks > 0) {
        md4Blocks(state, new DataView(data.buffer, data.byteOffset, n), pos, blocks);
        pos += blocks * 64;
      }
      if (pos < n) {
        buffer.set(data.subarray(pos), 0);
        buffered = n - pos;
      }
      return hasher;
    },
    digest(): Uint8Array {
      if (finished) throw new TypeError("MD4 hasher already finished: digest() was called");
      finished = true;
      // Padding: 0x80, zeros up to 56 mod 64, then the bit length as 64-bit little-endian.
      buffer[buffered] = 0x80;
      buffer.fill(0, buffered + 1);
      if (buffered >= 56) {
        md4Blocks(state, bufferView, 0, 1);
        buffer.fill(0);
      }
      const bitsLow = (length % 0x20000000) * 8;
      const bitsHigh = Math.floor(length / 0x20000000);
      bufferView.setUint32(56, bitsLow >>> 0, true);
      bufferView.setUint32(60, bitsHigh >>> 0, true);
      md4Blocks(state, bufferView, 0, 1);
      const out = new Uint8Array(16);
      const outView = new DataView(out.buffer);
      for (let i = 0; i < 4; i++) outView.setInt32(i * 4, state[i] as number, true);
      return out;
    },
  };
  return hasher;
}
