import { describe, expect, it } from "vitest";
import { writeUtf8 } from "../src/codec-kit/index.js";

describe("writeUtf8", () => {
  it("matches TextEncoder for ASCII, 2-, 3- and 4-byte characters and lone surrogates", () => {
    const samples = [
      "",
      "tiny.txt",
      "café über",
      "日本 ✓",
      "emoji 😀 ok",
      "lone \ud800 x",
      "end \udc00",
      "\ud83d",
    ];
    for (const text of samples) {
      const target = new Uint8Array(2 + text.length * 3).fill(0xaa);
      const n = writeUtf8(text, target, 2);
      expect(Buffer.from(target.subarray(2, 2 + n)).toString("hex"), text).toBe(
        Buffer.from(new TextEncoder().encode(text)).toString("hex"),
      );
      expect(target[0]).toBe(0xaa);
    }
  });
});
