import { concatChunks } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJsonCodec } from "../src/index.js";
import { findJsonSyntaxError, findValueOffset } from "../src/json-syntax-scanner.js";
import { bytes, thrown } from "./helpers.js";

const codec = createJsonCodec<unknown>();
const BOM = [0xef, 0xbb, 0xbf];

describe("decode", () => {
  it("round-trips any JSON value, compact and pretty, in any chunk size", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: "binary" }),
        fc.constantFrom(0, 2, 7),
        fc.constantFrom(64, 256, 65_536),
        (value, indent, chunkSize) => {
          const c = createJsonCodec<unknown>({ pretty: indent, chunkSize });
          expect(c.decode(concatChunks(c.encode(value)))).toEqual(
            JSON.parse(JSON.stringify(value)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips values with toJSON and left-out members as JSON.parse(JSON.stringify(v))", () => {
    fc.assert(
      fc.property(
        fc.anything({ withDate: true, withBoxedValues: true, withMap: true }),
        (value) => {
          const expected = JSON.stringify(value);
          if (expected === undefined) return;
          expect(codec.decode(concatChunks(codec.encode(value)))).toEqual(JSON.parse(expected));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("accepts and skips a UTF-8 byte-order mark", () => {
    expect(codec.decode(new Uint8Array([...BOM, ...bytes('{"a":"é"}')]))).toEqual({ a: "é" });
  });

  it("does not accept a second byte-order mark", () => {
    const error = thrown(() => codec.decode(new Uint8Array([...BOM, ...BOM, ...bytes("1")])));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details).toMatchObject({ reason: "syntax", offset: 3, line: 1, column: 1 });
  });

  it("refuses empty input", () => {
    for (const input of [new Uint8Array(0), new Uint8Array(BOM)]) {
      const error = thrown(() => codec.decode(input));
      expect(error.code).toBe("ERR_CORRUPT");
      expect(error.details).toMatchObject({ reason: "empty", offset: input.length });
    }
  });

  it("refuses something that is not bytes with a TypeError", () => {
    expect(() => codec.decode("{}" as unknown as Uint8Array)).toThrow(TypeError);
  });

  it("decodes Buffers and subarray views", () => {
    const backing = bytes('xx{"a":[1,2]}yy');
    expect(codec.decode(backing.subarray(2, backing.length - 2))).toEqual({ a: [1, 2] });
    expect(codec.decode(Buffer.from("[true]"))).toEqual([true]);
  });
});

describe("decode errors locate the problem by byte offset, line and column", () => {
  const cases: Array<{
    name: string;
    input: Uint8Array | string;
    offset: number;
    line: number;
    column: number;
    truncated?: boolean;
  }> = [
    { name: "trailing comma in object", input: '{"a":1,}', offset: 7, line: 1, column: 8 },
    { name: "trailing comma in array", input: "[1,2,]", offset: 5, line: 1, column: 6 },
    { name: "truncated array", input: "[1,2", offset: 4, line: 1, column: 5, truncated: true },
    {
      name: "truncated string",
      input: '{"a":"abc',
      offset: 9,
      line: 1,
      column: 10,
      truncated: true,
    },
    { name: "truncated literal", input: "[tr", offset: 3, line: 1, column: 4, truncated: true },
    { name: "truncated number", input: "[-", offset: 2, line: 1, column: 3, truncated: true },
    { name: "truncated exponent", input: "1e", offset: 2, line: 1, column: 3, truncated: true },
    { name: "whitespace only", input: " \n ", offset: 3, line: 2, column: 2, truncated: true },
    // 'é' is 2 bytes and '漢' 3 bytes: the byte offset runs ahead of the character index.
    { name: "multi-byte before the error", input: '{"é漢": tru}', offset: 13, line: 1, column: 11 },
    // '😀' is 4 bytes and 2 UTF-16 units but one column.
    { name: "astral character before the error", input: '["😀" 1]', offset: 8, line: 1, column: 6 },
    {
      name: "error on a later line",
      input: '{\n  "名前": [1,\n   2,,\n]}',
      offset: 23,
      line: 3,
      column: 6,
    },
    { name: "leading zero", input: "01", offset: 1, line: 1, column: 2 },
    { name: "missing digit after point", input: "1.x", offset: 2, line: 1, column: 3 },
    { name: "data after the value", input: "{} x", offset: 3, line: 1, column: 4 },
    { name: "single quotes", input: "'a'", offset: 0, line: 1, column: 1 },
    { name: "NaN", input: "[NaN]", offset: 1, line: 1, column: 2 },
    { name: "unquoted key", input: "{a:1}", offset: 1, line: 1, column: 2 },
    { name: "missing colon", input: '{"a" 1}', offset: 5, line: 1, column: 6 },
    { name: "bad escape", input: '"\\q"', offset: 2, line: 1, column: 3 },
    { name: "bad unicode escape", input: '"\\u12G4"', offset: 5, line: 1, column: 6 },
    { name: "raw control character in string", input: '"a\tb"', offset: 2, line: 1, column: 3 },
    {
      name: "non-breaking space is not whitespace",
      input: "[1,\u00a02]",
      offset: 3,
      line: 1,
      column: 4,
    },
    {
      name: "offset counts the byte-order mark",
      input: new Uint8Array([...BOM, ...bytes("[1 2]")]),
      offset: 6,
      line: 1,
      column: 4,
    },
  ];

  for (const { name, input, offset, line, column, truncated = false } of cases) {
    it(name, () => {
      const data = typeof input === "string" ? bytes(input) : input;
      const error = thrown(() => codec.decode(data));
      expect(error.code).toBe("ERR_CORRUPT");
      expect(error.details).toMatchObject({ reason: "syntax", offset, line, column, truncated });
      expect(error.cause).toBeInstanceOf(SyntaxError);
      expect(error.message).toContain(`byte ${offset}`);
    });
  }

  it("reports every proper prefix of valid JSON as truncated at its end", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary" }), fc.nat(), (value, cut) => {
        const full = concatChunks(createJsonCodec({ pretty: 1 }).encode(value));
        if (full.length < 2) return;
        const prefix = full.subarray(0, 1 + (cut % (full.length - 1)));
        let parsed = true;
        try {
          JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(prefix));
        } catch {
          parsed = false;
        }
        if (parsed) return;
        const error = thrown(() => codec.decode(prefix));
        expect(error.code).toBe("ERR_CORRUPT");
        if (error.details?.reason === "invalid-utf8") {
          // The cut split a multi-byte character: the offset is its first byte.
          expect(prefix.length - (error.details.offset as number)).toBeLessThan(4);
        } else {
          expect(error.details).toMatchObject({
            reason: "syntax",
            offset: prefix.length,
            truncated: true,
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with JSON.parse on which texts are valid", () => {
    const alphabet = fc.constantFrom(
      ...'{}[],:"\\ \n\t-+.0123456789eEtrufalsn\u00e9\u6f22/bu'.split(""),
      "true",
      "null",
      '"a"',
      "\\u00e9",
      "12",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (parts) => {
        const input = parts.join("");
        let valid = true;
        try {
          JSON.parse(input);
        } catch {
          valid = false;
        }
        expect(findJsonSyntaxError(bytes(input), 0) === undefined).toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("decode refuses ill-formed UTF-8", () => {
  const cases: Array<[string, number[], number, number]> = [
    ["a stray continuation byte", [...bytes('{"a":"'), 0x80, ...bytes('"}')], 6, 7],
    ["an invalid byte", [...bytes('["é", "'), 0xff, ...bytes('"]')], 8, 8],
    ["an overlong encoding", [...bytes('"'), 0xc0, 0xaf, ...bytes('"')], 1, 2],
    ["an encoded surrogate", [...bytes('"'), 0xed, 0xa0, 0x80, ...bytes('"')], 1, 2],
    ["a code point above U+10FFFF", [...bytes('"'), 0xf4, 0x90, 0x80, 0x80, ...bytes('"')], 1, 2],
    ["a truncated sequence at the end", [...bytes('"漢'), 0xe6, 0xbc], 4, 3],
    ["a bad byte after a byte-order mark and a newline", [...BOM, ...bytes("[\n"), 0xfe], 5, 1],
  ];
  for (const [name, input, offset, column] of cases) {
    it(`with ${name}`, () => {
      const error = thrown(() => codec.decode(new Uint8Array(input)));
      expect(error.code).toBe("ERR_CORRUPT");
      expect(error.details).toMatchObject({ reason: "invalid-utf8", offset, column });
      expect(error.cause).toBeInstanceOf(TypeError);
    });
  }
});

describe("locating a decoded value in the input", () => {
  it("finds the byte offset of the value at any path of compact JSON", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: "binary" }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (value, picks) => {
          const input = concatChunks(codec.encode(value));
          const path: Array<string | number> = [];
          let node: unknown = value;
          for (const pick of picks) {
            if (Array.isArray(node) && node.length > 0) {
              const index = pick % node.length;
              path.push(index);
              node = node[index];
            } else if (typeof node === "object" && node !== null && Object.keys(node).length > 0) {
              const keys = Object.keys(node);
              const key = keys[pick % keys.length] as string;
              path.push(key);
              node = (node as Record<string, unknown>)[key];
            } else {
              break;
            }
          }
          const offset = findValueOffset(input, 0, path);
          expect(offset).toBeTypeOf("number");
          const expected = bytes(JSON.stringify(node));
          expect([...input.subarray(offset, (offset as number) + expected.length)]).toEqual([
            ...expected,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
