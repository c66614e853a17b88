// Option checks that need no server: bad options throw at once, before any connection is tried.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPostgresSink, openPostgresSink, schemaSql } from "../src/index.js";

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

  it.each([
    "schema",
    "table",
    "max",
    "connectTimeoutMs",
    "closeTimeoutMs",
    "openTimeoutMs",
    "epoch",
    "chunkBytes",
    "statementTimeoutMs",
    "lockTimeoutMs",
    "idleInTransactionTimeoutMs",
    "synchronousCommit",
    "backup",
    "migrate",
    "pool",
  ])(
    "refuses %s: null with a TypeError, as every option (only undefined means the default)",
    async (key) => {
      const options = { connectionString: url, [key]: null } as never;
      expect(() => createPostgresSink(options)).toThrow(TypeError);
      expect(() => createPostgresSink(options)).toThrow(`${key} must not be null`);
      await expect(openPostgresSink(options)).rejects.toThrow(TypeError);
    },
  );

  it("refuses connectionString: null next to a pool, and null names in schemaSql", () => {
    const pool = new pg.Pool();
    expect(() => createPostgresSink({ pool, connectionString: null as never })).toThrow(
      "connectionString must not be null",
    );
    expect(() => schemaSql({ schema: null as never })).toThrow(TypeError);
    expect(() => schemaSql({ table: null as never })).toThrow(TypeError);
    // undefined still means the default.
    expect(schemaSql({ schema: undefined, table: undefined })).toContain(
      '"public"."snapwrite_head"',
    );
  });
});
