import { describe, expect, it } from "vitest";
import { createMd4 } from "../src/hash/create-md4.js";
import { md4 } from "../src/hash/md4.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 1320, appendix A.5 "test suite": all seven vectors.
const RFC1320: ReadonlyArray<readonly [string, string]> = [
  ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
  ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
  ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
  ["message digest", "d9130a8164549fe818874806e1c7014b"],
  ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
  [
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "043f8582f241db351ce627e153e7f0e4",
  ],
  [
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
    "e33b4ddc9c38f2199c3e7b164fcc0536",
  ],
];

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("md4", () => {
  it.each(RFC1320)("matches the RFC 1320 vector for %j", (input, expected) => {
    expect(hex(md4(ascii(input)))).toBe(expected);
  });

  it("gives the same digest when the input is fed in arbitrary pieces", () => {
    const data = pseudoRandomBytes(10_000, 42);
    const whole = hex(md4(data));
    for (const step of [1, 3, 55, 56, 63, 64, 65, 127, 1000, 4096]) {
      const h = createMd4();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(hex(h.digest()), `step ${step}`).toBe(whole);
    }
  });

  it("handles every padding boundary around 55/56/64 bytes consistently with piecewise input", () => {
    for (let n = 50; n <= 130; n++) {
      const data = pseudoRandomBytes(n, n);
      const h = createMd4();
      h.update(data.subarray(0, n >> 1));
      h.update(data.subarray(n >> 1));
      expect(h.length).toBe(n);
      expect(hex(h.digest())).toBe(hex(md4(data)));
    }
  });

  it("reads input at unaligned offsets of a larger buffer", () => {
    const backing = pseudoRandomBytes(300, 7);
    const view = backing.subarray(3, 3 + 200);
    expect(hex(md4(view))).toBe(hex(md4(backing.slice(3, 203))));
  });

  it("is the ed2k hash of the empty part used in part-hash lists", () => {
    expect(hex(md4(new Uint8Array(0))).toUpperCase()).toBe("31D6CFE0D16AE931B73C59D7E0C089C0");
  });

  it("refuses use after digest and non-byte input", () => {
    const h = createMd4();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(TypeError);
    expect(() => h.digest()).toThrow(TypeError);
    expect(() => createMd4().update("abc" as unknown as Uint8Array)).toThrow(TypeError);
  });
});
