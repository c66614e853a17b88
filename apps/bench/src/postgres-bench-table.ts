// The rows of `npm run bench:postgres`, the two tables it prints and its verdict against the goal
// of the sink-postgres issue: the owner's stall during a save stays at the control run's level.

/** One figure per window: control (no save), sink-fs, sink-postgres, sink-postgres in a worker. */
export interface WindowColumns {
  readonly control: number;
  readonly fs: number;
  readonly postgres: number;
  readonly worker: number;
}

/** Medians per window kind of where the CPU time went, ms (see `CpuWindow`). */
export interface CpuColumns {
  /** Owner event loop busy: `performance.eventLoopUtilization()`'s active time over the window. */
  readonly ownerBusyMs: WindowColumns;
  /** Owner's main thread on a CPU. */
  readonly ownerCpuMs: WindowColumns;
  /** Owner's main thread runnable but waiting for a CPU. */
  readonly ownerWaitMs: WindowColumns;
  /** Whole bench process (every thread). */
  readonly processCpuMs: WindowColumns;
  /** PostgreSQL server processes. */
  readonly serverCpuMs: WindowColumns;
  /** Longest garbage-collection pause on the owner's thread. */
  readonly gcMaxPauseMs: WindowColumns;
}

/** One row of the table. */
export interface PostgresBenchRow {
  readonly payloadMiB: number;
  readonly rounds: number;
  /** Median end-to-end save (request → settled, sliced executor) over sink-fs, ms. */
  readonly fsMs: number;
  /** Same over sink-postgres (loopback server, fsync on, synchronous_commit on), ms. */
  readonly postgresMs: number;
  /** Same with the worker executor: payload, encoding and sink-postgres in a worker thread, ms. */
  readonly workerMs: number;
  /** `postgresMs / fsMs`. */
  readonly ratio: number;
  /** Median of the largest owner stall per window, ms. */
  readonly stallMaxMs: WindowColumns;
  /** Median p99 stall per window, ms. */
  readonly stallP99Ms: WindowColumns;
  /** Where the CPU time of each window went. */
  readonly cpu: CpuColumns;
}

/**
 * How far above the control's p99 stall the worker contender's may be and still count as "at the
 * control's level": the tick monitor's own jitter on this machine is of that order.
 */
export const STALL_TOLERANCE_MS = 1;

/** The verdict of one row: is the worker contender's p99 stall within tolerance of the control's? */
export function stallVerdict(row: PostgresBenchRow): { reached: boolean; text: string } {
  const over = row.stallP99Ms.worker - row.stallP99Ms.control;
  const reached = over <= STALL_TOLERANCE_MS;
  const sign = over >= 0 ? "+" : "";
  return {
    reached,
    text: `${reached ? "reached" : "MISSED"} (pg worker p99 ${row.stallP99Ms.worker} vs control ${row.stallP99Ms.control}, ${sign}${over.toFixed(2)} ms)`,
  };
}

function cells(columns: WindowColumns, digits = 2): string {
  const f = (value: number) => Number(value.toFixed(digits)).toString();
  return `${f(columns.control)} / ${f(columns.fs)} / ${f(columns.postgres)} / ${f(columns.worker)}`;
}

function layout(header: string[], lines: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] ?? "").length)),
  );
  const format = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  return [format(header), ...lines.map(format)].join("\n");
}

/** Save times, stalls, owner busy time and the verdict, one line per payload size. */
export function renderTable(rows: readonly PostgresBenchRow[]): string {
  const header = [
    "payload",
    "rounds",
    "sink-fs ms",
    "sink-postgres ms",
    "pg/fs",
    "pg worker ms",
    "max stall ms c/fs/pg/pgw",
    "p99 stall ms c/fs/pg/pgw",
    "owner busy ms c/fs/pg/pgw",
    `goal: pg worker p99 ≤ control + ${STALL_TOLERANCE_MS} ms`,
  ];
  const lines = rows.map((row) => [
    `${row.payloadMiB} MiB`,
    String(row.rounds),
    row.fsMs.toFixed(1),
    row.postgresMs.toFixed(1),
    `${row.ratio}×`,
    row.workerMs.toFixed(1),
    cells(row.stallMaxMs),
    cells(row.stallP99Ms),
    cells(row.cpu.ownerBusyMs, 1),
    stallVerdict(row).text,
  ]);
  return layout(header, lines);
}

/** Where the CPU time of each window went, one line per payload size. */
export function renderCpuTable(rows: readonly PostgresBenchRow[]): string {
  const header = [
    "payload",
    "owner busy ms (ELU)",
    "owner on-CPU ms",
    "owner waiting for a CPU ms",
    "process CPU ms",
    "server CPU ms",
    "owner GC max pause ms",
  ];
  const lines = rows.map((row) => [
    `${row.payloadMiB} MiB`,
    cells(row.cpu.ownerBusyMs, 1),
    cells(row.cpu.ownerCpuMs, 1),
    cells(row.cpu.ownerWaitMs, 1),
    cells(row.cpu.processCpuMs, 0),
    cells(row.cpu.serverCpuMs, 0),
    cells(row.cpu.gcMaxPauseMs, 1),
  ]);
  return `${layout(header, lines)}\n(each cell: control / sink-fs / sink-postgres / sink-postgres in a worker; medians per window)`;
}
