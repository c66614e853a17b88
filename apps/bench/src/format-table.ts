import type { RunResult } from "./run-result.js";

const HEADERS = [
  "workload",
  "contender",
  "max stall ms",
  "p99 ms",
  "owner ms",
  "calls",
  "total ms",
  "writes",
  "fsyncs",
  "MB",
  "peak RSS MB",
  "+heap MB",
  "max GC ms",
  "final ok",
];

function num(value: number | null, digits: number): string {
  return value === null ? "–" : value.toFixed(digits);
}

/** Renders the results as a plain-text table (no colours, CI has no TTY). */
export function formatTable(results: readonly RunResult[]): string {
  const rows: string[][] = results.map((r) =>
    r.available
      ? [
          r.workload,
          r.contender,
          num(r.maxStallMs, 1),
          num(r.p99StallMs, 1),
          num(r.ownerMs, 3),
          r.ownerCalls === null ? "–" : String(r.ownerCalls),
          num(r.totalMs, 0),
          r.physicalWrites === null ? "–" : String(r.physicalWrites),
          r.fsyncs === null ? "–" : String(r.fsyncs),
          r.bytes === null ? "–" : (r.bytes / 1e6).toFixed(1),
          num(r.peakRssMb, 0),
          num(r.extraHeapMb, 0),
          num(r.gcMaxPauseMs, 1),
          r.note
            ? `NO (${r.note})`
            : r.finalStateOk === null
              ? "(stores nothing)"
              : r.finalStateOk
                ? "yes"
                : "NO",
        ]
      : [
          r.workload,
          r.contender,
          "not available",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          r.note ?? "",
        ],
  );
  const widths = HEADERS.map((h, i) =>
    Math.min(
      i === HEADERS.length - 1 ? 60 : 40,
      Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
    ),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return i >= 2 && i < cells.length - 1 ? text.padStart(width) : text.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(HEADERS), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
