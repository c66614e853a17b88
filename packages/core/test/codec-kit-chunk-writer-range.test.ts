import { describe, expect, it } from "vitest";
import { concatChunks, createChunkWriter } from "../src/codec-kit/index.js";
import { type Codec, createPersistenceWriter, type WriteFailed } from "../src/index.js";
import { FakeClock, FakeSink } from "./support/fakes.js";

type Writer = ReturnType<typeof createChunkWriter>;

/** A pattern matching `text` literally (`1e+39` has a `+`). */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

function bytesOf(w: Writer): number[] {
  const chunks: Uint8Array[] = [];
  for (let c = w.takeReady(); c; c = w.takeReady()) chunks.push(c);
  const last = w.finish();
  if (last) chunks.push(last);
  return [...concatChunks(chunks)];
}

/** Expects `write` to throw `type` naming the writer and the value, having written nothing. */
function expectRefused(
  write: (w: Writer) => void,
  type: typeof RangeError | typeof TypeError,
  message: RegExp,
): void {
  // Near the end of a chunk too, where a value would span two chunks.
  for (const before of [0, 62, 63]) {
    const w = createChunkWriter({ chunkSize: 64 });
    w.fill(0xaa, before);
    expect(() => write(w)).toThrow(type);
    expect(() => write(w)).toThrow(message);
    expect(w.written).toBe(before);
    // The writer stays usable and its bytes intact.
    w.u8(7);
    expect(bytesOf(w)).toEqual([...new Array(before).fill(0xaa), 7]);
  }
}

describe("ChunkWriter integer writers refuse values they cannot hold", () => {
  it.each([256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32])("u8(%s)", (value) => {
    expectRefused((w) => w.u8(value), RangeError, new RegExp(`u8: ${value} `));
  });

  it.each([70_000, 65_536, -1, 0.5, Number.NaN, -0.5])("u16(%s)", (value) => {
    expectRefused((w) => w.u16(value), RangeError, new RegExp(`u16: ${value} `));
  });

  it.each([2 ** 32, -1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, 2 ** 53])("u32(%s)", (value) => {
    expectRefused((w) => w.u32(value), RangeError, new RegExp(`u32: ${value} `));
  });

  it.each([2n ** 64n, -1n, 2n ** 64n + 5n])("u64(%s)", (value) => {
    expectRefused((w) => w.u64(value), RangeError, new RegExp(`u64: ${value}n `));
  });

  it("refuses values of the wrong type with a TypeError", () => {
    const bad = (value: unknown) => value as number;
    expectRefused((w) => w.u8(bad("5")), TypeError, /u8: "5" is not a number/);
    expectRefused((w) => w.u16(bad(undefined)), TypeError, /u16: undefined is not a number/);
    expectRefused((w) => w.u32(bad(1n)), TypeError, /u32: 1n is not a number/);
    expectRefused((w) => w.u64(bad(5) as unknown as bigint), TypeError, /u64: 5 is not a bigint/);
    expectRefused((w) => w.f32(bad("1")), TypeError, /f32: "1" is not a number/);
  });

  it("refuses a finite f32 that would become Infinity, keeps NaN, ±Infinity and rounding", () => {
    for (const value of [1e39, -1e39, Number.MAX_VALUE]) {
      expectRefused((w) => w.f32(value), RangeError, literal(`f32: ${value} `));
    }
    const w = createChunkWriter({ chunkSize: 64 });
    const ok = [Number.NaN, Number.POSITIVE_INFINITY, -0, 0.1, 3.4028234663852886e38, 1e-50];
    for (const value of ok) w.f32(value);
    const view = new DataView(Uint8Array.from(bytesOf(w)).buffer);
    const back = ok.map((_, i) => view.getFloat32(i * 4, true));
    expect(back).toEqual(ok.map((value) => Math.fround(value)));
  });

  it("refuses a fill byte or count out of range", () => {
    expectRefused((w) => w.fill(256, 1), RangeError, /fill: value 256 /);
    expectRefused((w) => w.fill(-1, 1), RangeError, /fill: value -1 /);
    expectRefused((w) => w.fill(0x20, -1), RangeError, /fill: count -1 /);
    expectRefused((w) => w.fill(0x20, 1.5), RangeError, /fill: count 1.5 /);
    expectRefused((w) => w.fill(0x20, Number.NaN), RangeError, /fill: count NaN /);
  });

  it("still writes every value at the edges of each range", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.u8(0);
    w.u8(255);
    w.u16(0);
    w.u16(65_535);
    w.u32(0);
    w.u32(2 ** 32 - 1);
    w.u32(-0);
    w.u64(0n);
    w.u64(2n ** 64n - 1n);
    w.fill(255, 0);
    w.fill(0, 2);
    expect(bytesOf(w)).toEqual([
      0,
      255,
      0,
      0,
      255,
      255,
      ...[0, 0, 0, 0],
      ...[255, 255, 255, 255],
      ...[0, 0, 0, 0],
      ...new Array(8).fill(0),
      ...new Array(8).fill(255),
      0,
      0,
    ]);
  });
});

describe("a codec whose length field overflows", () => {
  // The core README's codec-kit example, as it was: a u16 length per name, unchecked.
  function* encodeList(names: readonly string[]): Generator<Uint8Array> {
    const out = createChunkWriter({ chunkSize: 64 });
    out.u32(names.length);
    for (const name of names) {
      out.u16(Buffer.byteLength(name));
      out.utf8(name);
      for (let chunk = out.takeReady(); chunk !== undefined; chunk = out.takeReady()) yield chunk;
    }
    const last = out.finish();
    if (last !== undefined) yield last;
  }
  const listCodec: Codec<readonly string[]> = {
    name: "list",
    encode: encodeList,
    decode: () => [],
  };

  it("fails the save as ERR_ENCODE and stores nothing", async () => {
    const sink = new FakeSink();
    const clock = new FakeClock();
    const writer = createPersistenceWriter({ sink, clock });
    const names = ["ok", "x".repeat(70_000), "after"];
    const handle = writer.register("names.bin", {
      snapshot: () => names,
      codec: listCodec,
      debounceMs: 0,
      maxDelayMs: 0,
    });
    const ticket = handle.request("save");
    await clock.advance(0);
    const result = (await ticket.settled) as WriteFailed;
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe("ERR_ENCODE");
    expect(result.error.cause).toBeInstanceOf(RangeError);
    expect(String((result.error.cause as Error).message)).toMatch(/u16: 70000 /);
    expect(sink.files.size).toBe(0);
    await writer.close();
  });
});

describe("ChunkWriter ascii and the begin()/end() fast path refuse what they would corrupt", () => {
  it.each(["é", "a\u00ffb", "snow ☃", "\u{1f600}"])(
    "ascii(%j) is a RangeError, nothing written",
    (text) => {
      expectRefused((w) => w.ascii(text), RangeError, /ascii: .* ASCII characters only/);
    },
  );

  it("ascii of a long non-ASCII text spilling into the scratch area writes nothing", () => {
    expectRefused((w) => w.ascii(`${"a".repeat(200)}é`), RangeError, /\(201 characters\)/);
  });

  it("ascii of a non-string is a TypeError", () => {
    expectRefused((w) => w.ascii(5 as unknown as string), TypeError, /ascii: 5 is not a string/);
  });

  it("ascii still writes plain ASCII across a chunk boundary", () => {
    const w = createChunkWriter({ chunkSize: 64 });
    w.fill(1, 62);
    w.ascii("null");
    expect(bytesOf(w).slice(60)).toEqual([1, 1, 0x6e, 0x75, 0x6c, 0x6c]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32])(
    "begin(%s) is a RangeError",
    (n) => {
      expectRefused((w) => w.begin(n), RangeError, /begin: n .* out of range/);
    },
  );

  it("end() refuses a pos moved back or past the buffer and commits nothing of the block", () => {
    // In the chunk (before 0) and through the scratch area (before 62, 63: 4 bytes do not fit).
    expectRefused(
      (w) => {
        w.begin(4);
        w.buffer[w.pos] = 9;
        w.pos -= 1;
        w.end();
      },
      RangeError,
      /end: pos .* out of range/,
    );
    expectRefused(
      (w) => {
        w.begin(4);
        w.pos += 1_000_000;
        w.end();
      },
      RangeError,
      /end: pos \d+ is out of range/,
    );
    expectRefused(
      (w) => {
        w.begin(4);
        w.pos = Number.NaN;
        w.end();
      },
      RangeError,
      /end: pos NaN/,
    );
  });
});
