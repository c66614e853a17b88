// Option checks that need no server: bad options throw at once, before any connection is tried.
import { describe, expect, it } from "vitest";
import { createPostgresSink, schemaSql } from "../src/index.js";

const url = "postgres://postgres@127.0.0.1:1/postgres";

describe("postgres sink options", () => {
  it.each(["pg_catalog", "pg_temp", "pg_toast", "pg_mine"])(
    "refuses the schema %j, reserved by the server, with a TypeError",
    (schema) => {
      expect(() => createPostgresSink({ connectionString: url, schema })).toThrow(TypeError);
      expect(() => createPostgresSink({ connectionString: url, schema })).toThrow(/pg_/);
      expect(() => schemaSql({ schema })).toThrow(TypeError);
    },
  );

  it("still takes schemas that merely contain pg_ or differ in case", () => {
    expect(schemaSql({ schema: "app_pg_data" })).toContain('"app_pg_data"');
    expect(schemaSql({ schema: "PG_data" })).toContain('"PG_data"');
  });

  it.each(["", "   ", 7])(
    "refuses the connectionString %j with a TypeError",
    (connectionString) => {
      expect(() => createPostgresSink({ connectionString: connectionString as string })).toThrow(
        /connectionString must be a non-empty string/,
      );
    },
  );
});
