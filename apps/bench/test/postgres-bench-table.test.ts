import { describe, expect, it } from "vitest";
import {
  type PostgresBenchRow,
  renderCpuTable,
  renderTable,
  STALL_TOLERANCE_MS,
  stallVerdict,
  type WindowColumns,
} from "../src/postgres-bench-table.js";

const same = (value: number): WindowColumns => ({
  control: value,
  fs: value,
  postgres: value,
  worker: value,
});

function row(controlP99: number, workerP99: number): PostgresBenchRow {
  return {
    payloadMiB: 20,
    rounds: 5,
    fsMs: 30,
    postgresMs: 120,
    workerMs: 110,
    ratio: 4,
    stallMaxMs: same(1),
    stallP99Ms: { control: controlP99, fs: 1, postgres: 3, worker: workerP99 },
    cpu: {
      ownerBusyMs: { control: 2, fs: 20, postgres: 60, worker: 3 },
      ownerCpuMs: same(4),
      ownerWaitMs: same(5),
      processCpuMs: same(6),
      serverCpuMs: same(7),
      gcMaxPauseMs: same(8),
    },
  };
}

describe("stallVerdict", () => {
  it("reaches the goal when the worker's p99 stall is within the tolerance of the control's", () => {
    expect(stallVerdict(row(0.2, 0.2 + STALL_TOLERANCE_MS)).reached).toBe(true);
    expect(stallVerdict(row(3, 1)).reached).toBe(true);
  });

  it("misses it above the tolerance and says by how much, with the control beside it", () => {
    const verdict = stallVerdict(row(0.2, 3.62));
    expect(verdict.reached).toBe(false);
    expect(verdict.text).toBe("MISSED (pg worker p99 3.62 vs control 0.2, +3.42 ms)");
  });
});

describe("the printed tables", () => {
  it("show the owner's busy time per window and the verdict of each row", () => {
    const table = renderTable([row(0.2, 3.62)]);
    expect(table).toContain("owner busy ms c/fs/pg/pgw");
    expect(table).toContain("2 / 20 / 60 / 3");
    expect(table).toContain("MISSED (pg worker p99 3.62 vs control 0.2");
  });

  it("show where the CPU time went, one column per figure", () => {
    const lines = renderCpuTable([row(0.2, 0.3)]).split("\n");
    expect(lines[0]).toContain("owner waiting for a CPU ms");
    expect(lines[1]).toContain("5 / 5 / 5 / 5");
    expect(lines[1]).toContain("7 / 7 / 7 / 7");
  });
});
