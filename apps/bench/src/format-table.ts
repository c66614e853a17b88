import type { RunResult } from "./run-result.js";

/** Widest line the table may print: it must fit a 120-column terminal (details are in the JSON). */
export const TABLE_WIDTH = 120;

const HEADERS = [
  "workload",
  "contender",
  "max ms",
  "p99 ms",
  "owner ms",
  "total ms",
  "fsyncs",
  "RSS MB",
  "GC ms",
  "stalls>5ms",
  "final",
];

/** Shorter ids in the table (the JSON keeps the full ones). */
const shortId = (id: string): string =>
  id.replace(/^snapwrite-/, "sw-").replace(/^control-no-save$/, "control (no save)");

function num(value: number | null, digits: number): string {
  return value === null ? "–" : value.toFixed(digits);
}

/** `GC 3, encode 1`: stalls over 5 ms by cause, the longest first. */
function causes(run: RunResult): string {
  const entries = Object.entries(run.stallCauses?.byCause ?? {}).sort((a, b) => b[1].ms - a[1].ms);
  if (entries.length === 0) return run.stallCauses ? "0" : "–";
  return entries.map(([name, e]) => `${name === "unattributed" ? "?" : name} ${e.count}`).join(",");
}

/**
 * Renders the results as a plain-text table (no colours, CI has no TTY) no wider than
 * {@link TABLE_WIDTH}: long cells are cut with "…". `stalls>5ms` counts the stalls over 5 ms by
 * cause (`GC`, a named step of the owner, `?` for nothing the bench names); `final` is "yes" when
 * the stored bytes decode to the last state.
 */
export function formatTable(results: readonly RunResult[]): string {
  const rows: string[][] = results.map((r) =>
    r.available
      ? [
          r.workload,
          shortId(r.contender),
          num(r.maxStallMs, 1),
          num(r.p99StallMs, 1),
          num(r.ownerMs, 1),
          num(r.totalMs, 0),
          r.fsyncs === null ? "–" : String(r.fsyncs),
          num(r.peakRssMb, 0),
          num(r.gcMaxPauseMs, 1),
          causes(r),
          r.note ? `NO: ${r.note}` : r.finalStateOk === null ? "–" : r.finalStateOk ? "yes" : "NO",
        ]
      : [r.workload, shortId(r.contender), "n/a", "", "", "", "", "", "", "", r.note ?? ""],
  );
  const caps = [24, 20, 7, 6, 8, 8, 6, 6, 6, 16, 0];
  const widths = HEADERS.map((h, i) =>
    Math.min(
      caps[i] || TABLE_WIDTH,
      Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
    ),
  );
  // The last column takes what is left of the 120 columns.
  const used = widths.slice(0, -1).reduce((sum, w) => sum + w + 1, 0);
  widths[widths.length - 1] = Math.max(
    5,
    Math.min(widths[widths.length - 1] ?? 5, TABLE_WIDTH - used),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return i >= 2 && i < cells.length - 2 ? text.padStart(width) : text.padEnd(width);
      })
      .join(" ")
      .trimEnd();
  return [line(HEADERS), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
