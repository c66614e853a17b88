import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReasonList } from "../src/writer/scheduler/reason-list.js";

/** The obvious, slow definition: the 16 most recent distinct reasons, oldest first. */
function naive(all: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = all.length - 1; i >= 0 && out.length < 16; i--) {
    const reason = all[i] as string;
    if (!out.includes(reason)) out.unshift(reason);
  }
  return out;
}

describe("ReasonList", () => {
  it("keeps the 16 most recent distinct reasons, oldest first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 24 }).map(String), { maxLength: 80 }),
        (all) => {
          const list = new ReasonList();
          for (const reason of all) list.add(reason);
          expect(list.drain([])).toEqual(naive(all));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("folds the reasons of a failed write in before the new ones", () => {
    const list = new ReasonList();
    list.add("b");
    list.add("c");
    expect(list.drain(["a", "b"])).toEqual(["a", "b", "c"]);
    expect(list.drain([])).toEqual([]);
  });
});
