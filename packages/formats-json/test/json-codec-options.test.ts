import { describe, expect, it } from "vitest";
import { createJsonCodec, type JsonCodecOptions } from "../src/index.js";

describe("createJsonCodec options", () => {
  it.each([
    ["versoin", { versoin: 2 }],
    ["stablekeys", { stablekeys: true }],
    ["migration", { version: 1, migration: (d: unknown) => d }],
  ])("refuses the unknown key %s with a TypeError naming it", (key, options) => {
    expect(() => createJsonCodec(options as JsonCodecOptions<unknown>)).toThrow(
      new TypeError(
        `createJsonCodec: unknown option "${key}"; known: name, pretty, stableKeys, chunkSize, validate, version, migrate`,
      ),
    );
  });

  it.each([
    ["null", null],
    ["a string", "pretty"],
    ["a number", 2],
    ["a function", () => ({})],
    ["an array", []],
  ])("refuses %s as options with a TypeError", (_what, options) => {
    expect(() => createJsonCodec(options as unknown as JsonCodecOptions<unknown>)).toThrow(
      new TypeError("createJsonCodec: options must be an object"),
    );
  });

  it("refuses a stableKeys that is no boolean", () => {
    expect(() => createJsonCodec({ stableKeys: "yes" as never })).toThrow(
      new TypeError("createJsonCodec: stableKeys must be a boolean, got string"),
    );
  });

  it("takes no options, undefined, or every known key", () => {
    expect(createJsonCodec().name).toBe("json");
    expect(createJsonCodec(undefined).name).toBe("json");
    const codec = createJsonCodec({
      name: "all",
      pretty: false,
      stableKeys: true,
      chunkSize: 64,
      validate: undefined,
      version: 2,
      migrate: (data) => data,
    });
    expect(codec.name).toBe("all");
  });
});
