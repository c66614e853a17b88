import { describe, expect, it } from "vitest";
import * as contract from "../src/contract.js";

type Suite = (label: unknown, options: unknown) => void;

const suites = Object.entries(contract).filter(
  (entry): entry is [string, Suite] =>
    entry[0].startsWith("describe") && typeof entry[1] === "function",
);

/** The option that builds the thing under test, per suite family. */
function factoryOf(name: string): string {
  if (name.startsWith("describeCodec")) return "codec";
  if (name === "describeJournalContract" || name === "describeAppendLogContract") return "open";
  return "create";
}

describe("describe* argument checks", () => {
  it("covers every describe function of the contract entry", () => {
    expect(suites.map(([name]) => name).sort()).toEqual([
      "describeAppendLogContract",
      "describeCodecContract",
      "describeCodecFuzz",
      "describeCodecInvalidInput",
      "describeCodecRoundTrip",
      "describeFsSinkContract",
      "describeFsSinkCrashConsistency",
      "describeFsSinkFailureCleanup",
      "describeFsSinkFaults",
      "describeJournalContract",
      "describeSinkAtomicity",
      "describeSinkBackup",
      "describeSinkConcurrency",
      "describeSinkContract",
      "describeSinkFencing",
      "describeSinkInvalidTargets",
      "describeSinkNotFound",
      "describeSinkOverwrite",
      "describeSinkPayloads",
      "describeSinkQuarantine",
      "describeSinkRoundTrip",
      "describeWriterScenarios",
    ]);
  });

  for (const [name, suite] of suites) {
    const factory = factoryOf(name);
    it(`${name} refuses a missing or invalid ${factory}, bad options and a bad label`, () => {
      expect(() => suite("x", undefined)).toThrow(TypeError);
      expect(() => suite("x", null)).toThrow(/options must be an object/);
      expect(() => suite("x", {})).toThrow(new RegExp(`${name}: options\\.${factory} is required`));
      expect(() => suite("x", { [factory]: "not it" })).toThrow(TypeError);
      expect(() => suite(42, { [factory]: () => undefined })).toThrow(/label must be a string/);
    });
  }

  it("refuses options of the wrong type", () => {
    const create = () => {
      throw new Error("never called");
    };
    expect(() => contract.describeSinkContract("x", { create, timeoutMs: "5" as never })).toThrow(
      /options\.timeoutMs must be a number, got string/,
    );
    expect(() => contract.describeSinkContract("x", { create, destroy: 1 as never })).toThrow(
      /options\.destroy must be a function/,
    );
    expect(() => contract.describeSinkPayloads("x", { create, largePayload: 8 as never })).toThrow(
      /options\.largePayload must be an object/,
    );
    expect(() => contract.describeWriterScenarios("x", { create, timeoutMs: Number.NaN })).toThrow(
      TypeError,
    );
    expect(() =>
      contract.describeFsSinkContract("x", { create, errorCodes: "EIO" as never }),
    ).toThrow(/options\.errorCodes must be an array/);
    expect(() =>
      contract.describeCodecContract("x", { codec: {} as never, samples: {} as never }),
    ).toThrow(/options\.samples must be an array/);
    expect(() =>
      contract.describeJournalContract("x", {
        open: create,
        replay: create,
        dir: 1 as never,
      }),
    ).toThrow(/options\.dir must be a string/);
    expect(() =>
      contract.describeAppendLogContract("x", { open: create, read: undefined as never }),
    ).toThrow(/options\.read is required/);
  });
});
