import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPersistenceError, loadTarget } from "@snapwrite/core";
import { createFsSink } from "@snapwrite/sink-fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonCodec } from "../src/index.js";

const utf8 = new TextEncoder();
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "formats-json-load-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `backup` then `primary` through a backed-up sink-fs, as two saves would. */
async function saved(primary: string, backup: string) {
  const sink = createFsSink({ dir, backup: true });
  await sink.write("state.json", [utf8.encode(backup)]);
  await sink.write("state.json", [utf8.encode(primary)]);
  const before = await files();
  return { sink, before };
}

/** Every file of the directory with its content. */
async function files(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = await readFile(join(dir, name), "utf8");
  }
  return out;
}

describe("createJsonCodec through loadTarget: intact data it cannot read is not damage", () => {
  it("a file of a newer version stays in place, untouched, and the error says newer version", async () => {
    const { sink, before } = await saved(
      '{"version":2,"data":{"notes":["second"]}}',
      '{"version":2,"data":{"notes":["first"]}}',
    );
    const result = await loadTarget(sink, "state.json", createJsonCodec({ version: 1 }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isPersistenceError(result.error, "ERR_UNSUPPORTED")).toBe(true);
    expect(result.error.message).toMatch(/newer version 2/);
    expect(result.error.details).toMatchObject({
      reason: "unsupported-version",
      version: 2,
      supported: 1,
    });
    expect(result.quarantinedTo).toBeUndefined();
    expect(result.backupError).toBeUndefined();
    expect(await files()).toEqual(before);
  });

  it("a migration that throws leaves the file in place, the migration's error as cause", async () => {
    const { sink, before } = await saved('{"version":1,"data":{"a":1}}', '{"version":1,"data":{}}');
    const bug = new TypeError("Cannot read properties of undefined (reading 'theme')");
    const codec = createJsonCodec({
      version: 2,
      migrate: () => {
        throw bug;
      },
    });
    const result = await loadTarget(sink, "state.json", codec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isPersistenceError(result.error, "ERR_UNSUPPORTED")).toBe(true);
    expect(result.error.details).toMatchObject({ reason: "migration-failed", version: 1 });
    expect(result.error.cause).toBe(bug);
    expect(result.quarantinedTo).toBeUndefined();
    expect(await files()).toEqual(before);
  });

  it("migrated data the schema rejects leaves the file in place too", async () => {
    const { sink, before } = await saved('{"version":1,"data":{"a":1}}', '{"version":1,"data":{}}');
    const refuseAll = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: () => ({ issues: [{ message: "not a v2 value" }] }),
      },
    };
    const codec = createJsonCodec({ version: 2, migrate: (d) => d, validate: refuseAll });
    const result = await loadTarget(sink, "state.json", codec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isPersistenceError(result.error, "ERR_UNSUPPORTED")).toBe(true);
    expect(result.error.details).toMatchObject({ reason: "migration-failed" });
    expect(result.quarantinedTo).toBeUndefined();
    expect(await files()).toEqual(before);
  });

  it("an older version without migrate is refused the same way", async () => {
    const { sink, before } = await saved('{"version":1,"data":{"a":1}}', '{"version":1,"data":{}}');
    const result = await loadTarget(sink, "state.json", createJsonCodec({ version: 3 }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      code: "ERR_UNSUPPORTED",
      details: expect.objectContaining({ reason: "unsupported-version", version: 1 }),
    });
    expect(await files()).toEqual(before);
  });

  it("damage is still ERR_CORRUPT: the primary is moved aside and the backup loads", async () => {
    const { sink } = await saved('{"version":1,"data":', '{"version":1,"data":{"a":0}}');
    const result = await loadTarget(sink, "state.json", createJsonCodec({ version: 1 }));
    expect(result).toMatchObject({ ok: true, source: "backup", value: { a: 0 } });
    if (!result.ok) return;
    expect(result.primaryError?.code).toBe("ERR_CORRUPT");
    expect(result.quarantinedTo).toEqual(expect.any(String));
  });
});
