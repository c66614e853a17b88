import { describe, expect, it } from "vitest";
import { concatChunks, createChunkWriter } from "../src/codec-kit/index.js";

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

function collect(w: ReturnType<typeof createChunkWriter>): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  drain(w, chunks);
  const last = w.finish();
  if (last) chunks.push(last);
  return chunks;
}

describe("createChunkWriter text and fill", () => {
  const samples = [
    "plain ascii",
    "café über 日本 ✓ emoji 😀 end",
    "lone \ud800 x \udc00 and a pair \ud83d\ude00",
    `${"x".repeat(70)}😀${"é".repeat(40)}\ud800`,
    "😀".repeat(90),
  ];

  it("utf8 matches TextEncoder at every offset of a chunk boundary, filling chunks exactly", () => {
    for (const text of samples) {
      for (let lead = 0; lead < 70; lead++) {
        const w = createChunkWriter({ chunkSize: 64 });
        w.fill(0x2e, lead);
        w.utf8(text);
        w.u8(0x21);
        const chunks = collect(w);
        const expected = Buffer.concat([
          Buffer.alloc(lead, 0x2e),
          new TextEncoder().encode(text),
          Buffer.of(0x21),
        ]);
        expect(Buffer.from(concatChunks(chunks)).equals(expected), `${lead} ${text}`).toBe(true);
        expect(chunks.slice(0, -1).every((c) => c.length === 64)).toBe(true);
      }
    }
  });

  it("ascii and fill span chunk boundaries", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.fill(0x20, 150);
    w.ascii("a".repeat(100));
    const chunks = collect(w);
    expect(Buffer.from(concatChunks(chunks)).toString()).toBe(
      `${" ".repeat(150)}${"a".repeat(100)}`,
    );
    expect(chunks.map((c) => c.length)).toEqual([64, 64, 64, 58]);
  });
});

describe("createChunkWriter take", () => {
  it("hands over the bytes written so far as a view and keeps writing after them", () => {
    const w = createChunkWriter({ chunkSize: 64, zeroFill: true });
    w.ascii("abc");
    expect(w.pending).toBe(3);
    expect(w.room).toBe(61);
    w.take();
    expect(w.pending).toBe(0);
    w.take();
    expect(w.readyCount).toBe(1);
    const first = w.takeReady() as Uint8Array;
    expect(Buffer.from(first).toString()).toBe("abc");
    w.ascii("d".repeat(70));
    const second = w.takeReady() as Uint8Array;
    // The rest of the first chunk, in the same buffer, then the next chunk.
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(3);
    expect(second.length).toBe(61);
    expect(Buffer.from(first).toString()).toBe("abc");
    w.take();
    const third = w.takeReady() as Uint8Array;
    expect(third.length).toBe(9);
    w.u8(0x21);
    const last = w.finish() as Uint8Array;
    expect(last.buffer).toBe(third.buffer);
    expect(Buffer.from(last).toString()).toBe("!");
    expect(w.written).toBe(74);
  });

  it("needs zero-filled chunks, so a view never exposes stale memory", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.u8(1);
    expect(() => w.take()).toThrow(/zeroFill/);
    const z = createChunkWriter({ chunkSize: 64, zeroFill: true });
    z.u8(1);
    z.take();
    const view = z.takeReady() as Uint8Array;
    expect([...new Uint8Array(view.buffer)].slice(1).every((b) => b === 0)).toBe(true);
  });
});
