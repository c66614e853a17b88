import { describe, expect, it } from "vitest";
import { createFaultyFs, createMemoryFs, type FsFaultPlan, withFaults } from "../src/index.js";
import { createReferenceMemorySink } from "./fixtures/reference-memory-sink.js";

// Plans come from untyped test code too: each case is what a typo or a slip would pass.
const loose = (plan: unknown) => plan as FsFaultPlan;
const faultyFs = (plan: unknown) => createFaultyFs(createMemoryFs({ "/d": null }), loose(plan));
const faultySink = (plan: unknown) =>
  withFaults(createReferenceMemorySink(), plan as Parameters<typeof withFaults>[1]);

describe("createFaultyFs refuses a plan that could never do what it says", () => {
  it.each([
    [{ op: "writ", fault: { error: "EIO" } }, TypeError, /rule 0: op must be one of .*got "writ"/],
    [{ op: ["write", "wrte"], fault: { error: "EIO" } }, TypeError, /op must be one of .*"wrte"/],
    [{ op: [], fault: { error: "EIO" } }, TypeError, /op must name at least one operation/],
    [{ op: "write", fault: { eror: "EIO" } }, TypeError, /rule 0: fault: unknown key "eror"/],
    [{ op: "write", fault: {} }, TypeError, /fault needs one of "torn", "latencyMs"/],
    [{ op: "write", falt: { error: "EIO" } }, TypeError, /rule 0: unknown key "falt"/],
    [
      { op: "write", fault: { error: "EIO", latencyMs: 5 } },
      TypeError,
      /"error" cannot be combined with "latencyMs"/,
    ],
    [{ op: "write", fault: { torn: -1 } }, RangeError, /fault\.torn must be a finite number >= 0/],
    [{ op: "write", fault: { torn: Number.NaN } }, RangeError, /fault\.torn .*got NaN/],
    [{ op: "write", fault: { torn: 2.5 } }, RangeError, /fault\.torn must be a byte count/],
    [{ op: "write", fault: { latencyMs: -5 } }, RangeError, /fault\.latencyMs must be .* got -5/],
    [
      { op: "write", fault: { latencyMs: 2 ** 31 } },
      RangeError,
      /fault\.latencyMs must be .* <= 2147483647, got 2147483648/,
    ],
    [{ op: "write", fault: { error: "eio" } }, TypeError, /fault\.error must be a system error/],
    [{ op: "write", fault: { hang: 1 } }, TypeError, /fault\.hang must be true/],
    [{ op: "write", nth: 0, fault: { error: "EIO" } }, RangeError, /nth must be an integer >= 1/],
    [{ op: "write", nth: 1.5, fault: { error: "EIO" } }, RangeError, /nth must be an integer/],
    [{ op: "write", times: 0, fault: { error: "EIO" } }, RangeError, /times must be an integer/],
    [{ op: "write", path: 5, fault: { error: "EIO" } }, TypeError, /path must be a string/],
  ])("%j", (rule, type, message) => {
    const thrown = (() => {
      try {
        faultyFs([rule]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(/^createFaultyFs: rule 0/);
    expect((thrown as Error).message).toMatch(message);
  });

  it("names the rule's position and checks rules added later", () => {
    const fs = faultyFs([{ op: "write", fault: { error: "EIO" } }]);
    expect(() =>
      fs.addFaults(
        loose([
          { op: "open", fault: { latencyMs: 0 } },
          { op: "rename", fault: { torn: 0.5, error: "ENOSPC" } },
          { op: "sync", fault: { hang: true, signal: "no" } },
        ]),
      ),
    ).toThrow(/^createFaultyFs: rule 2: fault\.signal must be an AbortSignal$/);
  });

  it("accepts every documented fault kind", async () => {
    const fs = faultyFs([
      { op: ["write", "writev"], path: /f$/, nth: 2, times: Infinity, fault: { torn: 0.5 } },
      { op: "write", fault: { torn: 2, error: "EIO" } },
      { op: "open", path: (p: string) => p.startsWith("/d"), fault: { latencyMs: 0 } },
      { op: "sync", fault: { hang: true, signal: AbortSignal.timeout(1000) } },
      { op: "rmdir", fault: { error: "EBUSY", torn: undefined } },
    ]);
    const handle = await fs.open("/d/f", "w");
    await expect(handle.write(new Uint8Array(4), 0, 4, null)).rejects.toMatchObject({
      code: "EIO",
    });
    await handle.close();
  });
});

describe("withFaults refuses a plan that could never do what it says", () => {
  it.each([
    [{ op: "wrte", fault: { error: "ERR_IO" } }, TypeError, /op must be one of .*got "wrte"/],
    [{ fault: { eror: "ERR_IO" } }, TypeError, /fault: unknown key "eror"/],
    [{ fault: { error: "ERR_NOPE" } }, TypeError, /fault\.error must be one of .*got "ERR_NOPE"/],
    [{ fault: { error: "ERR_IO", stage: "nonsense" } }, TypeError, /fault\.stage must be one of/],
    [{ fault: { tearAfterChunks: -1 } }, RangeError, /tearAfterChunks must be a finite integer/],
    [{ fault: { error: "ERR_IO", latencyMs: 1 } }, TypeError, /"error" cannot be combined/],
    [{ target: 5, fault: { error: "ERR_IO" } }, TypeError, /target must be a string/],
  ])("%j", (rule, type, message) => {
    expect(() => faultySink([rule])).toThrow(type);
    expect(() => faultySink([rule])).toThrow(message);
    expect(() => faultySink([rule])).toThrow(/^withFaults: rule 0/);
  });

  it("accepts every documented fault kind", async () => {
    const sink = faultySink([
      { fault: { error: "ERR_IO", stage: "sync" } },
      { op: "read", fault: { error: "ENOSPC" } },
      { op: "close", fault: { throws: undefined } },
      { target: /x/, fault: { tearAfterChunks: 0, error: "EIO" } },
      { op: "quarantine", fault: { hang: true } },
      { op: "write", nth: 2, times: Infinity, fault: { latencyMs: 0 } },
    ]);
    await expect(sink.write("t", [new Uint8Array([1])])).rejects.toMatchObject({
      code: "ERR_IO",
      stage: "sync",
    });
  });
});
