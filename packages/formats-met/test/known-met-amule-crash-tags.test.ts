import { readFileSync } from "node:fs";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { assembleKnownFileRecord } from "../src/known-met/assemble-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../src/known-met/known-file-record.js";
import { toAmuleCanonicalRecord } from "../src/known-met/to-amule-canonical-record.js";
import { validateKnownMet } from "../src/known-met/validate-known-met.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import type { MetTag } from "../src/tags/met-tag.js";
import { regularFileStats } from "./support/regular-file-stats.js";

// aMule 2.3.3 copies every tag it does not handle into the record's extra tags; CTag's copy
// constructor asserts for BOOL and BOOLARRAY, and the daemon exits ("Assertion failed:
// ../../src/Tag.cpp:CTag:79") before loading anything. Confirmed with the daemon for a BOOL with
// id 0x7b and one with a string name, and a BOOLARRAY with id 0x7c; a BOOL with FT_PERMISSIONS
// (0x16) is dropped and the daemon's rewrite is the one toAmuleCanonicalRecord predicts.

const KNOWN = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/known.met", import.meta.url),
  ),
);

const bool = (spec: { id: number } | { name: string }) =>
  createMetTag({ ...spec, type: "bool", value: true });
const boolArray = (id: number) =>
  createMetTag({ id, type: "boolarray", value: { bits: 9, bytes: new Uint8Array(2) } });

/** The fixture with `extra` appended to the tags of its first record. */
function withTags(extra: MetTag[]): Uint8Array {
  const records = [...decodeKnownMet(KNOWN).records].map((r, i) =>
    i === 0
      ? assembleKnownFileRecord({
          date: r.date,
          hash: r.hash,
          partHashes: r.partHashes,
          tags: [...r.tags, ...extra],
        })
      : r,
  );
  return concatChunks(encodeKnownMet({ header: 0x0e, records }));
}

const problems = (bytes: Uint8Array) =>
  validateKnownMet(decodeKnownMet(bytes)).problems.map((p) => `${p.record}:${p.code}:${p.effect}`);

describe("tags that make aMule 2.3.3 abort on load", () => {
  const crashing: [string, MetTag][] = [
    ["BOOL with an unhandled id", bool({ id: 0x7b })],
    ["BOOL with a string name", bool({ name: "Flag" })],
    ["BOOL with a media id", bool({ id: 0xd0 })],
    ["BOOLARRAY with an unhandled id", boolArray(0x7c)],
    ["compact BOOL", createMetTag({ id: 0x7b, compact: true, type: "bool", value: false })],
  ];

  it.each(crashing)("validateKnownMet reports a %s as crashing the client", (_, tag) => {
    const bytes = withTags([tag]);
    const result = validateKnownMet(decodeKnownMet(bytes));
    expect(result.ok).toBe(false);
    expect(problems(bytes)).toEqual(["0:tag-type-crashes-amule:client-crashed"]);
    expect(result.problems[0]?.message).toMatch(/^tag (0x7b|"Flag"|0xd0|0x7c) is BOOL(ARRAY)?: /);
  });

  it.each(crashing)("toAmuleCanonicalRecord refuses to predict a rewrite for a %s", (_, tag) => {
    const record = decodeKnownMet(withTags([tag])).records[0] as KnownFileRecord;
    expect(() => toAmuleCanonicalRecord(record)).toThrow(
      /toAmuleCanonicalRecord: tag .* is BOOL(ARRAY)?, which aMule 2.3.3 cannot copy/,
    );
  });

  it("decoding and encoding such a file stay byte-exact and keep the tags", () => {
    const bytes = withTags(crashing.map(([, tag]) => tag));
    const decoded = decodeKnownMet(bytes);
    expect(decoded.records[0]?.tags.slice(-5).map((t) => t.typeName)).toEqual([
      "bool",
      "bool",
      "bool",
      "boolarray",
      "bool",
    ]);
    expect(Buffer.from(concatChunks(encodeKnownMet(decoded))).equals(Buffer.from(bytes))).toBe(
      true,
    );
    expect(problems(bytes)).toEqual(Array(5).fill("0:tag-type-crashes-amule:client-crashed"));
  });

  it("a BOOL with an id aMule drops is dropped; one on a field aMule reads stops loading instead", () => {
    const dropped = withTags([bool({ id: 0x16 }), bool({ id: 0x20 }), boolArray(0x12)]);
    expect(problems(dropped)).toEqual([]);
    const record = decodeKnownMet(dropped).records[0] as KnownFileRecord;
    const original = decodeKnownMet(KNOWN).records[0] as KnownFileRecord;
    expect(Buffer.from(toAmuleCanonicalRecord(record).bytes)).toEqual(Buffer.from(original.bytes));
    expect(problems(withTags([bool({ id: 0x19 })]))).toEqual(["0:tag-type-mismatch:load-aborted"]);
    expect(problems(withTags([bool({ id: 0x27 })]))).toEqual(["0:aich-tag-type:load-aborted"]);
  });

  it("FLOAT32, HASH16 and BLOB tags are copied and dropped on the rewrite, not reported", () => {
    const bytes = withTags([
      createMetTag({ id: 0x79, type: "float32", value: 1.5 }),
      createMetTag({ id: 0x7a, type: "hash16", value: new Uint8Array(16).fill(7) }),
      createMetTag({ id: 0x7d, type: "blob", value: Uint8Array.of(1, 2, 3) }),
    ]);
    expect(problems(bytes)).toEqual([]);
    const record = decodeKnownMet(bytes).records[0] as KnownFileRecord;
    const original = decodeKnownMet(KNOWN).records[0] as KnownFileRecord;
    expect(Buffer.from(toAmuleCanonicalRecord(record).bytes)).toEqual(Buffer.from(original.bytes));
  });

  it("snapwrite-met verify says the file would stop aMule", async () => {
    const bytes = withTags([bool({ id: 0x7b })]);
    let stdout = "";
    const status = await runCli(["verify", "crash.met"], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
      stat: async () => regularFileStats(bytes.length),
      readFile: async () => bytes,
    });
    expect(status).toBe(1);
    expect(stdout).toMatch(
      /^crash\.met: known\.met: 1 problem\n {2}record 0 ".*": tag-type-crashes-amule — tag 0x7b is BOOL: .* \(client: client-crashed\)\n$/,
    );
  });
});
