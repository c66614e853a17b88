import { describe, expect, it } from "vitest";
import { crc32c, crc32cImplementation, crc32cPortable } from "../src/index.js";
import { enc } from "./helpers.js";

describe("crc32c", () => {
  it("matches the published CRC-32C check values", () => {
    expect(crc32c(enc("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) appendix B.4 vectors.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
    expect(crc32c(descending)).toBe(0x113fdb5c);
  });

  it("continues from a previous value and agrees with a byte-at-a-time computation", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(crc32c(data));
    }
    let slow = 0xffffffff;
    for (const byte of data) {
      slow ^= byte;
      for (let k = 0; k < 8; k++) slow = slow & 1 ? (slow >>> 1) ^ 0x82f63b78 : slow >>> 1;
    }
    expect(crc32c(data)).toBe(~slow >>> 0);
  });

  it("gives different values for different seeds (salts)", () => {
    expect(crc32c(enc("abc"), 0, 3, 1)).not.toBe(crc32c(enc("abc"), 0, 3, 2));
  });

  it("uses the native addon here, and it agrees with the portable loop on every length and offset", () => {
    // @node-rs/crc32 ships binaries for these platforms; elsewhere the portable loop is used.
    if (["linux", "darwin", "win32"].includes(process.platform)) {
      expect(crc32cImplementation).toBe("native");
    }
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 97 + 13) & 0xff);
    for (const [start, end] of [
      [0, 3000],
      [1, 65],
      [7, 64],
      [100, 2999],
      [3, 3],
      [5, 200],
    ] as const) {
      for (const previous of [0, 1, 0xdeadbeef, 0xffffffff]) {
        expect(crc32c(data, start, end, previous)).toBe(crc32cPortable(data, start, end, previous));
      }
    }
  });
});
