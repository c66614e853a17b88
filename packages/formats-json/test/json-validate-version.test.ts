import { concatChunks } from "@snapwrite/testkit";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it, vi } from "vitest";
import { createJsonCodec } from "../src/index.js";
import { bytes, text, thrown } from "./helpers.js";

interface Settings {
  readonly theme: string;
  readonly size: number;
}

/** A handmade Standard Schema v1 validator: `{ theme: string, size?: number = 12 }`. */
const settingsSchema: StandardSchemaV1<unknown, Settings> = {
  "~standard": {
    version: 1,
    vendor: "handmade",
    validate(value) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { issues: [{ message: "expected an object" }] };
      }
      const record = value as Record<string, unknown>;
      const issues: StandardSchemaV1.Issue[] = [];
      if (typeof record.theme !== "string") {
        issues.push({ message: "theme must be a string", path: [{ key: "theme" }] });
      }
      if (record.size !== undefined && typeof record.size !== "number") {
        issues.push({ message: "size must be a number", path: ["size"] });
      }
      if (issues.length > 0) return { issues };
      return { value: { theme: record.theme as string, size: (record.size as number) ?? 12 } };
    },
  },
};

describe("validate hook", () => {
  it("returns the validator's output", () => {
    const codec = createJsonCodec({ validate: settingsSchema });
    const value: Settings = codec.decode(bytes('{"theme":"dark"}'));
    expect(value).toEqual({ theme: "dark", size: 12 });
  });

  it("turns issues into ERR_CORRUPT with details.issues and reason invalid", () => {
    const codec = createJsonCodec({ validate: settingsSchema });
    const error = thrown(() => codec.decode(bytes('{"theme":1,"size":"x"}')));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details).toEqual({
      reason: "invalid",
      issues: [
        { message: "theme must be a string", path: ["theme"] },
        { message: "size must be a number", path: ["size"] },
      ],
      // The offending value of the first issue: the `1` after `"theme":`.
      offset: 9,
      line: 1,
      column: 10,
    });
    expect(error.message).toContain("$.theme: theme must be a string");
  });

  it("reports a root-level issue with an empty path", () => {
    const codec = createJsonCodec({ validate: settingsSchema });
    const error = thrown(() => codec.decode(bytes("[1]")));
    expect(error.details?.issues).toEqual([{ message: "expected an object", path: [] }]);
    expect(error.details?.offset).toBe(0);
  });

  it("still reports syntax errors before validating", () => {
    const validate = vi.fn(settingsSchema["~standard"].validate);
    const codec = createJsonCodec({
      validate: { "~standard": { ...settingsSchema["~standard"], validate } },
    });
    expect(thrown(() => codec.decode(bytes("{"))).details?.reason).toBe("syntax");
    expect(validate).not.toHaveBeenCalled();
  });

  it("points details.offset at the value of the first issue, also deep inside the file", () => {
    const listSchema: StandardSchemaV1<unknown, unknown> = {
      "~standard": {
        version: 1,
        vendor: "handmade",
        validate: () => ({
          issues: [{ message: "bad name", path: ["items", { key: 2 }, "name"] }],
        }),
      },
    };
    const input =
      '{\n  "items": [\n    {"name": "é"},\n    {"name": "漢", "x": [1, {"y": "}"}]},\n' +
      '    {"name": "first", "name": "last"}\n  ]\n}';
    const error = thrown(() => createJsonCodec({ validate: listSchema }).decode(bytes(input)));
    const offset = bytes(input.slice(0, input.indexOf('"last"'))).length;
    expect(error.details).toMatchObject({ reason: "invalid", offset, line: 5 });
    const fifthLine = input.split("\n")[4] as string;
    expect(error.details?.column).toBe(fifthLine.indexOf('"last"') + 1);
  });

  it("points at the whole value when the issue's path is not in the file", () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      "~standard": {
        version: 1,
        vendor: "handmade",
        validate: () => ({ issues: [{ message: "missing", path: ["absent", 3] }] }),
      },
    };
    const error = thrown(() => createJsonCodec({ validate: schema }).decode(bytes('  {"a":1}')));
    expect(error.details).toMatchObject({ reason: "invalid", offset: 2 });
  });

  it("throws a TypeError for an async validator instead of calling the data corrupt", async () => {
    const asyncSchema: StandardSchemaV1<unknown, unknown> = {
      "~standard": {
        version: 1,
        vendor: "async-lib",
        validate: async () => {
          throw new Error("never awaited by decode");
        },
      },
    };
    const codec = createJsonCodec({ validate: asyncSchema });
    expect(() => codec.decode(bytes("{}"))).toThrow(/async-lib.*returned a Promise/);
    // The rejected promise was handled, so no unhandled rejection surfaces.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("refuses something that is not a Standard Schema at construction", () => {
    expect(() => createJsonCodec({ validate: {} as StandardSchemaV1 })).toThrow(TypeError);
    expect(() =>
      createJsonCodec({
        validate: {
          "~standard": { version: 2, vendor: "x", validate: () => ({ value: 1 }) },
        } as never,
      }),
    ).toThrow(TypeError);
  });
});

describe("version and migrate", () => {
  it("writes and reads the current version's envelope", () => {
    const codec = createJsonCodec<{ a: number }>({ version: 2 });
    const encoded = concatChunks(codec.encode({ a: 1 }));
    expect(new TextDecoder().decode(encoded)).toBe('{"version":2,"data":{"a":1}}');
    expect(codec.decode(encoded)).toEqual({ a: 1 });
  });

  it("migrates older versions once, with the version found", () => {
    const migrate = vi.fn((data: unknown, from: number) => ({
      ...(data as object),
      migratedFrom: from,
    }));
    const codec = createJsonCodec({ version: 3, migrate });
    expect(codec.decode(bytes('{"version":1,"data":{"a":1}}'))).toEqual({ a: 1, migratedFrom: 1 });
    expect(migrate).toHaveBeenCalledTimes(1);
    expect(codec.decode(bytes('{"data":{"a":1},"version":3}'))).toEqual({ a: 1 });
    expect(migrate).toHaveBeenCalledTimes(1);
  });

  it("validates after migrating", () => {
    const codec = createJsonCodec({
      version: 2,
      migrate: (data) => ({ theme: (data as { colour: string }).colour }),
      validate: settingsSchema,
    });
    expect(codec.decode(bytes('{"version":1,"data":{"colour":"red"}}'))).toEqual({
      theme: "red",
      size: 12,
    });
  });

  it("refuses migrated data the schema rejects as migration-failed (intact bytes), not invalid", () => {
    const codec = createJsonCodec({
      version: 2,
      migrate: (data) => ({ colour: (data as { colour: string }).colour }),
      validate: settingsSchema,
    });
    const error = thrown(() => codec.decode(bytes('{"version":1,"data":{"colour":"red"}}')));
    expect(error.code).toBe("ERR_UNSUPPORTED");
    expect(error.message).toMatch(/the migrated data does not validate/);
    expect(error.details).toMatchObject({ reason: "migration-failed" });
    expect(Array.isArray(error.details?.issues)).toBe(true);
  });

  it("refuses a newer version as unsupported-version", () => {
    const codec = createJsonCodec({ version: 2, migrate: (d) => d });
    const error = thrown(() => codec.decode(bytes('{"version":3,"data":{}}')));
    expect(error.code).toBe("ERR_UNSUPPORTED");
    expect(error.message).toMatch(/newer version 3 of the format; this codec reads version 2/);
    expect(error.details).toMatchObject({
      reason: "unsupported-version",
      version: 3,
      supported: 2,
      offset: 11,
    });
  });

  it("refuses an older version without migrate as unsupported-version", () => {
    const codec = createJsonCodec({ version: 2 });
    const error = thrown(() => codec.decode(bytes('{"version":1,"data":{}}')));
    expect(error.details).toMatchObject({
      reason: "unsupported-version",
      version: 1,
      supported: 2,
      offset: 11,
    });
  });

  it.each([
    ["a bare value", "[1]"],
    ["no version", '{"data":1}'],
    ["a string version", '{"version":"1","data":1}'],
    ["a fractional version", '{"version":1.5,"data":1}'],
    ["no data", '{"version":1}'],
  ])("refuses %s as a bad envelope", (_name, input) => {
    const codec = createJsonCodec({ version: 1 });
    const error = thrown(() => codec.decode(bytes(input)));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details?.reason).toBe("envelope");
    const offset = error.details?.offset as number;
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(input.length);
  });

  it("reports a throwing migrate as migration-failed with its error as cause", () => {
    const boom = new Error("cannot migrate");
    const codec = createJsonCodec({
      version: 2,
      migrate: () => {
        throw boom;
      },
    });
    const error = thrown(() => codec.decode(bytes('{"version":0,"data":null}')));
    expect(error.details).toMatchObject({
      reason: "migration-failed",
      version: 0,
      supported: 2,
      offset: '{"version":0,"data":'.length,
    });
    expect(error.cause).toBe(boom);
  });

  it("throws a TypeError for an async migrate", () => {
    const codec = createJsonCodec({ version: 2, migrate: async (d) => d });
    expect(() => codec.decode(bytes('{"version":1,"data":null}'))).toThrow(TypeError);
  });

  it("validates version and migrate options at construction", () => {
    expect(() => createJsonCodec({ version: -1 })).toThrow(RangeError);
    expect(() => createJsonCodec({ version: 1.5 })).toThrow(RangeError);
    expect(() => createJsonCodec({ migrate: (d) => d })).toThrow(TypeError);
    expect(() => createJsonCodec({ name: "" })).toThrow(TypeError);
  });

  it("uses the codec name in messages", () => {
    const codec = createJsonCodec({ name: "settings" });
    expect(codec.name).toBe("settings");
    expect(thrown(() => codec.decode(bytes("{"))).message).toMatch(/^settings: /);
    expect(text(codec.encode([1]))).toBe("[1]");
  });
});
