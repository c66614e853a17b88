import { concatChunks as coreConcatChunks } from "@snapwrite/core/codec-kit";
import { describe, expect, it } from "vitest";
import { concatChunks, createManualClock } from "../src/index.js";

describe("concatChunks", () => {
  it("is core's codec-kit helper, re-exported for tests", () => {
    expect(concatChunks).toBe(coreConcatChunks);
  });
});

describe("createManualClock", () => {
  it("moves only when advanced, firing due timers in time order", () => {
    const clock = createManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("late"), 20);
    const early = clock.setTimeout(() => fired.push("cancelled"), 5);
    clock.setTimeout(() => fired.push("early"), 10);
    clock.clearTimeout(early);
    expect(clock.pending).toBe(2);
    clock.advance(15);
    expect(fired).toEqual(["early"]);
    expect(clock.now()).toBe(115);
    clock.advance(5);
    expect(fired).toEqual(["early", "late"]);
    expect(clock.pending).toBe(0);
  });
});
