import { describe, expect, it } from "vitest";
import { median } from "../src/percentile.js";
import { runPairedUpdates, type Updater } from "../src/store-bench-run.js";

/** An updater that records every call, in order, under `name`. */
function recording(name: string, calls: string[], seen: Map<string, number[]>): Updater {
  return {
    update: (i, v) => {
      calls.push(name);
      const list = seen.get(name) ?? [];
      list.push(i * 1_000_000 + v);
      seen.set(name, list);
    },
    close: async () => undefined,
  };
}

describe("runPairedUpdates", () => {
  it("alternates the contenders round by round over the same keys and versions", async () => {
    const calls: string[] = [];
    const seen = new Map<string, number[]>();
    const paired = await runPairedUpdates(
      { name: "a", updater: recording("a", calls, seen) },
      { name: "b", updater: recording("b", calls, seen) },
      1000,
      1,
      20,
      4,
    );
    // One untimed round each (5 updates), then rounds in the order a b, b a, a b, b a.
    const rounds = Array.from({ length: calls.length / 5 }, (_, r) =>
      calls.slice(r * 5, r * 5 + 5),
    );
    for (const round of rounds) expect(new Set(round).size).toBe(1);
    expect(rounds.map((round) => round[0])).toEqual([
      "a",
      "b",
      "a",
      "b",
      "b",
      "a",
      "a",
      "b",
      "b",
      "a",
    ]);
    expect(seen.get("a")).toEqual(seen.get("b"));
    expect(paired.first.contender).toBe("a");
    expect(paired.second.contender).toBe("b");
    expect(paired.first.updates).toBe(20);
    expect(paired.rounds.first).toHaveLength(4);
    expect(paired.rounds.controlMaxStallMs).toHaveLength(4);
    expect(paired.first.commitsPerSecond).toBe(
      median(paired.rounds.first.map((r) => r.commitsPerSecond)),
    );
    expect(paired.first.maxStallMs).toBe(Math.max(...paired.rounds.first.map((r) => r.maxStallMs)));
    expect(paired.controlMaxStallMs).toBe(Math.max(...paired.rounds.controlMaxStallMs));
  }, 20_000);
});
