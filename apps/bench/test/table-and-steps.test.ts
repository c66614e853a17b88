import { describe, expect, it } from "vitest";
import { BenchUsageError, parseBenchOptions } from "../src/cli-options.js";
import { formatTable, TABLE_WIDTH } from "../src/format-table.js";
import { logTicks } from "../src/render-svg.js";
import { unavailableResult } from "../src/run-result.js";
import { attributeStalls, createStepLog } from "../src/step-log.js";
import { run } from "./run-fixture.js";

describe("attributeStalls", () => {
  it("names the GC or the step that covers most of each stall over the threshold", () => {
    const causes = attributeStalls(
      [
        { startMs: 100, endMs: 130 }, // GC 100–125
        { startMs: 200, endMs: 210 }, // encode 199–209
        { startMs: 300, endMs: 320 }, // nothing
        { startMs: 400, endMs: 403 }, // under the threshold
        { startMs: 500, endMs: 520 }, // inside an encode step, a GC covers 12 of its 20 ms
      ],
      [
        { startMs: 100, endMs: 125 },
        { startMs: 505, endMs: 517 },
      ],
      [
        { name: "encode", startMs: 199, endMs: 209 },
        { name: "encode", startMs: 498, endMs: 522 },
        { name: "mutation", startMs: 110, endMs: 111 },
      ],
      5,
      0,
    );
    expect(causes.byCause).toEqual({
      GC: { count: 2, ms: 50, maxMs: 30 },
      encode: { count: 1, ms: 10, maxMs: 10 },
      unattributed: { count: 1, ms: 20, maxMs: 20 },
    });
    expect(causes.longest.map((s) => s.cause)).toEqual(["GC", "unattributed", "GC", "encode"]);
  });
});

describe("createStepLog", () => {
  it("records only while a window is open", () => {
    let t = 0;
    const log = createStepLog(() => t);
    log.time("outside", () => {
      t += 1;
    });
    log.start();
    log.time("snapshot", () => {
      t += 5;
    });
    log.add("encode", 10, 12);
    expect(log.stop()).toEqual([
      { name: "snapshot", startMs: 1, endMs: 6 },
      { name: "encode", startMs: 10, endMs: 12 },
    ]);
    log.add("late", 1, 2);
    log.start();
    expect(log.stop()).toEqual([]);
  });
});

describe("formatTable", () => {
  it("fits 120 columns with the longest ids and notes", () => {
    const rows = [
      run("known.met periodic 100k", "snapwrite-sliced-1ms-fs", {
        maxStallMs: 12345.678,
        stallCauses: {
          thresholdMs: 5,
          byCause: {
            GC: { count: 12, ms: 300, maxMs: 50 },
            snapshot: { count: 3, ms: 20, maxMs: 8 },
            unattributed: { count: 40, ms: 500, maxMs: 30 },
          },
          longest: [],
        },
      }),
      run("json save 1M", "write-file-atomic", { note: "x".repeat(300) }),
      unavailableResult("burst 1000×1MiB", "steno", "steno failed to load: ".repeat(10)),
    ];
    const lines = formatTable(rows).split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(TABLE_WIDTH);
    expect(lines[2]).toContain("sw-sliced-1ms-fs");
  });
});

describe("logTicks", () => {
  it("labels 1, 2 and 5 of every decade up to the top one", () => {
    expect(logTicks(30)).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]);
  });
});

describe("parseBenchOptions", () => {
  it("writes to the ignored local folder unless --update-reference is given", () => {
    expect(parseBenchOptions([]).updateReference).toBe(false);
    expect(parseBenchOptions(["--update-reference"]).updateReference).toBe(true);
    expect(() => parseBenchOptions(["--update-reference", "--no-save"])).toThrow(/pick one/);
  });

  it("turns every command-line mistake into a BenchUsageError, and knows --help", () => {
    expect(parseBenchOptions(["--help"]).help).toBe(true);
    expect(parseBenchOptions(["-h"]).help).toBe(true);
    expect(parseBenchOptions([]).help).toBe(false);
    for (const argv of [["--hepl"], ["--records", "0"], ["--seed", "x"], ["extra"]]) {
      expect(() => parseBenchOptions(argv), argv.join(" ")).toThrow(BenchUsageError);
    }
  });
});
