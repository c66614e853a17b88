import { describe, expect, it } from "vitest";
import { attributeStall, gcKindName, gcOverlapMs } from "../src/gc-attribution.js";

const scavenge = (startMs: number, endMs: number) => ({ kind: "scavenge", startMs, endMs });

describe("attributeStall", () => {
  it("names the GC kind covering most of the stall", () => {
    const gcs = [scavenge(10, 13), { kind: "incremental", startMs: 13, endMs: 13.5 }];
    expect(attributeStall({ startMs: 10, endMs: 14 }, gcs)).toBe("scavenge");
  });

  it("says other when collections cover less than half of the stall", () => {
    expect(attributeStall({ startMs: 0, endMs: 10 }, [scavenge(2, 6)])).toBe("other");
    expect(attributeStall({ startMs: 0, endMs: 10 }, [scavenge(20, 30)])).toBe("other");
    expect(attributeStall({ startMs: 0, endMs: 10 }, [])).toBe("other");
  });

  it("adds up several collections of one kind", () => {
    expect(attributeStall({ startMs: 0, endMs: 10 }, [scavenge(0, 3), scavenge(5, 8)])).toBe(
      "scavenge",
    );
  });
});

describe("gcOverlapMs", () => {
  it("counts only the part of each collection inside the stall", () => {
    expect(gcOverlapMs({ startMs: 5, endMs: 10 }, [scavenge(3, 6), scavenge(9, 12)])).toBe(2);
    expect(gcOverlapMs({ startMs: 5, endMs: 10 }, [scavenge(11, 12)])).toBe(0);
  });
});

describe("gcKindName", () => {
  it("names the perf_hooks kinds and numbers the rest", () => {
    expect(gcKindName(1)).toBe("scavenge");
    expect(gcKindName(4)).toBe("mark-compact");
    expect(gcKindName(3)).toBe("kind 3");
  });
});
