import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createByteReader } from "../src/binary/byte-reader.js";
import { createChunkWriter } from "../src/binary/chunk-writer.js";
import { writeUtf8 } from "../src/binary/write-utf8.js";

function corruptDetails(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    return (error as { details: Record<string, unknown> }).details;
  }
  throw new Error("expected ERR_CORRUPT");
}

describe("createByteReader", () => {
  it("reads little-endian integers, floats and views without copying", () => {
    const bytes = Uint8Array.of(
      0x01,
      0x02,
      0x03,
      0x04,
      0x05,
      0x06,
      0x07,
      0x08,
      0x09,
      0,
      0,
      0x80,
      0x3f,
      0xaa,
      0xbb,
    );
    const r = createByteReader(bytes);
    expect(r.u8()).toBe(0x01);
    expect(r.u16()).toBe(0x0302);
    expect(r.u32()).toBe(0x07060504);
    r.offset = 1;
    expect(r.u64()).toBe(0x0908070605040302n);
    expect(r.remaining).toBe(6);
    r.offset = 9;
    expect(r.f32()).toBe(1);
    const v = r.view(2);
    expect([...v]).toEqual([0xaa, 0xbb]);
    expect(v.buffer).toBe(bytes.buffer);
    expect(r.remaining).toBe(0);
  });

  it("respects a sub-range of a larger buffer", () => {
    const backing = Uint8Array.of(9, 9, 0x34, 0x12, 9);
    const r = createByteReader(backing.subarray(2, 4));
    expect(r.u16()).toBe(0x1234);
    expect(() => r.u8()).toThrow();
  });

  it("throws truncated at the field offset when a fixed-size field runs off the end", () => {
    const r = createByteReader(Uint8Array.of(1, 2, 3));
    r.u8();
    expect(corruptDetails(() => r.u32())).toMatchObject({
      offset: 1,
      reason: "truncated",
      available: 2,
    });
    expect(r.offset).toBe(1);
  });

  it("throws bad-length at the length field when an announced length exceeds the input", () => {
    const r = createByteReader(Uint8Array.of(10, 0, 1, 2, 3));
    const at = r.offset;
    const length = r.u16();
    expect(corruptDetails(() => r.announced(length, at))).toMatchObject({
      offset: 0,
      reason: "bad-length",
      length: 10,
      available: 3,
    });
    expect(corruptDetails(() => r.expectCount(2, 2, at))).toMatchObject({ reason: "bad-length" });
    expect(() => r.expectCount(1, 3, at)).not.toThrow();
    expect([...r.announced(3, at)]).toEqual([1, 2, 3]);
  });

  it("rejects impossible construction arguments", () => {
    expect(() => createByteReader(Uint8Array.of(1), 2)).toThrow(RangeError);
    expect(() => createByteReader(Uint8Array.of(1), 0, 5)).toThrow(RangeError);
    expect(() => createByteReader([1] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

function drain(w: ReturnType<typeof createChunkWriter>, into: Uint8Array[]): void {
  for (let c = w.takeReady(); c; c = w.takeReady()) into.push(c);
}

describe("createChunkWriter", () => {
  it("writes little-endian values spanning chunk boundaries into exactly full chunks", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    const chunks: Uint8Array[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 40; i++) {
      w.u8(i);
      w.u16(0x0102);
      w.u32(0x03040506);
      expected.push(i, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03);
      drain(w, chunks);
    }
    w.u64(0x1122334455667788n);
    expected.push(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    w.f32(1);
    expected.push(0, 0, 0x80, 0x3f);
    drain(w, chunks);
    const last = w.finish();
    if (last) chunks.push(last);
    expect(chunks.slice(0, -1).every((c) => c.length === 64)).toBe(true);
    expect([...concatChunks(chunks)]).toEqual(expected);
    expect(w.written).toBe(expected.length);
  });

  it("hands over each full chunk and never touches it again", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.copy(new Uint8Array(64).fill(7));
    const first = w.takeReady();
    expect(first?.length).toBe(64);
    w.copy(new Uint8Array(100).fill(9));
    expect(first?.every((b) => b === 7)).toBe(true);
    const second = w.takeReady();
    expect(second).not.toBe(first);
    expect(second?.buffer).not.toBe(first?.buffer);
  });

  it("begin/end write directly in the chunk, or through scratch when the block does not fit", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    const chunks: Uint8Array[] = [];
    const expected: number[] = [];
    for (let block = 0; block < 10; block++) {
      const n = 5 + block * 3;
      w.begin(n);
      for (let i = 0; i < n; i++) {
        w.buffer[w.pos++] = (block * 31 + i) & 0xff;
        expected.push((block * 31 + i) & 0xff);
      }
      w.end();
      drain(w, chunks);
    }
    w.begin(200);
    for (let i = 0; i < 200; i++) {
      w.view.setUint8(w.pos++, i);
      expected.push(i);
    }
    w.end();
    drain(w, chunks);
    const last = w.finish();
    if (last) chunks.push(last);
    expect([...concatChunks(chunks)]).toEqual(expected);
    expect(chunks.slice(0, -1).every((c) => c.length === 64)).toBe(true);
  });

  it("hands over a last chunk whose buffer holds only written bytes", () => {
    const w = createChunkWriter({ chunkSize: 1024 });
    w.copy(Uint8Array.of(1, 2, 3));
    const last = w.finish() as Uint8Array;
    expect(last.byteOffset).toBe(0);
    expect(last.buffer.byteLength).toBe(3);
  });

  it("copies ranges and reports nothing after finish", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.copy(Uint8Array.of(1, 2, 3, 4, 5), 1, 4);
    expect([...(w.finish() ?? [])]).toEqual([2, 3, 4]);
    expect(w.finish()).toBeUndefined();
    expect(() => w.u8(1)).toThrow();
    const empty = createChunkWriter({ chunkSize: 64 });
    expect(empty.finish()).toBeUndefined();
  });

  it("rejects chunk sizes below 64 bytes", () => {
    expect(() => createChunkWriter({ chunkSize: 10 })).toThrow(RangeError);
    expect(() => createChunkWriter({ chunkSize: 1.5 })).toThrow(RangeError);
    expect(createChunkWriter().chunkSize).toBe(256 * 1024);
  });
});

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
