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

// aMule 2.3.3 decodes FT_AICH_HASH with CAICHHash::DecodeBase32 and asserts that the result has
// 20 bytes; a failed assertion ends the daemon. Confirmed with the daemon on the fixture with the
// AICH string of record 1 replaced: "ABCDEFGHIJKLMNOP" as STR16 and as STRING both abort
// ("Assertion failed: ../../src/KnownFile.cpp:LoadTagsFromFile:625: Assertion 'hashSizeOk'
// failed."); the real hash in lower case, or without its last character, loads all six files, and
// the lower-case one is rewritten as the original file.

const KNOWN = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/known.met", import.meta.url),
  ),
);
const RECORDS = decodeKnownMet(KNOWN).records;
const TEXT = new TextEncoder().encode("ABCDEFGHIJKLMNOP");

/** The fixture with the FT_AICH_HASH of record 1 replaced by `aich`. */
function withAich(aich: MetTag): Uint8Array {
  const records = [...RECORDS].map((r, i) =>
    i === 1
      ? assembleKnownFileRecord({
          date: r.date,
          hash: r.hash,
          partHashes: r.partHashes,
          tags: r.tags.map((t) => (t.id === 0x27 && t.name === undefined ? aich : t)),
        })
      : r,
  );
  return concatChunks(encodeKnownMet({ header: 0x0e, records }));
}

const problems = (bytes: Uint8Array) =>
  validateKnownMet(decodeKnownMet(bytes)).problems.map((p) => `${p.record}:${p.code}:${p.effect}`);
const record1 = (bytes: Uint8Array) => decodeKnownMet(bytes).records[1] as KnownFileRecord;
const realAich = () => RECORDS[1]?.tags.find((t) => t.id === 0x27)?.value as string;

describe("FT_AICH_HASH strings aMule 2.3.3 cannot decode", () => {
  const crashing: [string, MetTag][] = [
    ["STR16", createMetTag({ id: 0x27, type: "str", value: TEXT })],
    [
      "compact STR1",
      createMetTag({ id: 0x27, compact: true, type: "str", value: TEXT.slice(0, 1) }),
    ],
    ["STRING of 16 characters", createMetTag({ id: 0x27, type: "string", value: TEXT })],
    ["empty STRING", createMetTag({ id: 0x27, type: "string", value: "" })],
    [
      "STRING with a character outside base32",
      createMetTag({ id: 0x27, type: "string", value: `${realAich().slice(0, 31)}1` }),
    ],
    [
      "STRING of 33 characters",
      createMetTag({ id: 0x27, type: "string", value: `${realAich()}A` }),
    ],
  ];

  it.each(crashing)("validateKnownMet reports a %s as crashing the client", (_, tag) => {
    const bytes = withAich(tag);
    expect(problems(bytes)).toEqual(["1:aich-hash-invalid:client-crashed"]);
  });

  it.each(crashing)("toAmuleCanonicalRecord refuses to predict a rewrite for a %s", (_, tag) => {
    expect(() => toAmuleCanonicalRecord(record1(withAich(tag)))).toThrow(
      /toAmuleCanonicalRecord: FT_AICH_HASH .* aMule 2\.3\.3 aborts while loading/,
    );
  });

  it("quotes at most 40 characters of a long string in the message", () => {
    const long = "x".repeat(5000);
    const bytes = withAich(createMetTag({ id: 0x27, type: "string", value: long }));
    const [problem] = validateKnownMet(decodeKnownMet(bytes)).problems;
    expect(problem?.message).toContain(`"${"x".repeat(40)}"… (5000 characters) is not`);
    expect(problem?.message.length).toBeLessThan(300);
  });

  it("accepts what aMule accepts: the hash in lower case or without its last character", () => {
    const lower = withAich(
      createMetTag({ id: 0x27, type: "string", value: realAich().toLowerCase() }),
    );
    expect(problems(lower)).toEqual([]);
    // aMule rewrote the lower-case file as its original, upper-case file
    expect(Buffer.from(toAmuleCanonicalRecord(record1(lower)).bytes)).toEqual(
      Buffer.from((RECORDS[1] as KnownFileRecord).bytes),
    );
    const short = withAich(
      createMetTag({ id: 0x27, type: "string", value: realAich().slice(0, 31) }),
    );
    expect(problems(short)).toEqual([]);
    expect(() => toAmuleCanonicalRecord(record1(short))).not.toThrow();
  });

  it("snapwrite-met verify reports the STR16 and the STRING file alike", async () => {
    const verify = async (bytes: Uint8Array) => {
      let stdout = "";
      const status = await runCli(["verify", "aich.met"], {
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => {},
        stat: async () => regularFileStats(bytes.length),
        readFile: async () => bytes,
      });
      return { status, stdout };
    };
    const str16 = await verify(withAich(crashing[0]?.[1] as MetTag));
    const string = await verify(withAich(crashing[2]?.[1] as MetTag));
    expect(str16).toEqual(string);
    expect(str16.status).toBe(1);
    expect(str16.stdout).toMatch(
      /^aich\.met: known\.met: 1 problem\n {2}record 1 ".*": aich-hash-invalid — .* \(client: client-crashed\)\n$/,
    );
  });
});
