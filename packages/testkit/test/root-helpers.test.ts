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

  it("refuses to move by a negative, NaN or infinite amount and keeps its time", () => {
    const clock = createManualClock(100);
    for (const ms of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.advance(ms)).toThrow(RangeError);
      expect(() => clock.advance(ms)).toThrow(
        /ManualClock\.advance: ms must be a finite number >= 0/,
      );
    }
    expect(clock.now()).toBe(100);
  });

  it("refuses a start that is no finite number, and a move past the largest finite time", () => {
    for (const start of [Number.NaN, "x", Number.POSITIVE_INFINITY]) {
      expect(() => createManualClock(start as number)).toThrow(RangeError);
    }
    const clock = createManualClock();
    clock.advance(Number.MAX_VALUE);
    expect(() => clock.advance(Number.MAX_VALUE)).toThrow(/past the largest finite time/);
    expect(clock.now()).toBe(Number.MAX_VALUE);
  });

  it("treats a NaN or negative delay as zero, as Node's timers do", () => {
    const clock = createManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("nan"), Number.NaN);
    clock.setTimeout(() => fired.push("negative"), -10);
    clock.advance(0);
    expect(fired).toEqual(["nan", "negative"]);
  });
});
