// `npm run bench:postgres -w @snapwrite/bench`: end-to-end save time of one payload over
// sink-postgres vs sink-fs on the same machine, and the owner's event-loop stall during each save
// next to a control window in which nothing is saved. One row per payload size. A separate entry
// point on purpose: it needs a PostgreSQL server (a throwaway one is started per size).
import { randomFillSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Codec, createPersistenceWriter, type Sink } from "@snapwrite/core";
import { createWorkerReplica } from "@snapwrite/executor-worker";
import { createFsSink } from "@snapwrite/sink-fs";
import { openPostgresSink } from "@snapwrite/sink-postgres";
import { pgAvailability, startPgServer } from "@snapwrite/testkit/postgres";
import { createStallMonitor, type StallReport } from "./stall-monitor.js";

const MiB = 1024 * 1024;

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
  /** Median of the largest owner stall per window, ms: control (no save), sink-fs, sink-postgres. */
  readonly stallMaxMs: StallColumns;
  /** Median p99 stall per window, ms. */
  readonly stallP99Ms: StallColumns;
}

/** One stall figure per window: control (no save), sink-fs, sink-postgres, sink-postgres in a worker. */
export interface StallColumns {
  readonly control: number;
  readonly fs: number;
  readonly postgres: number;
  readonly worker: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2));
};

/** Yields the payload in fresh 1 MiB chunks, like a codec that encodes into new chunk buffers. */
const chunkedBytes: Codec<Uint8Array> = {
  name: "bytes",
  *encode(value) {
    for (let at = 0; at < value.byteLength; at += MiB) yield value.slice(at, at + MiB);
  },
  decode: (bytes) => bytes,
};

async function timedSave(
  sink: Sink,
  payload: Uint8Array,
): Promise<{ ms: number; stall: StallReport }> {
  const writer = createPersistenceWriter({ sink, executor: "sliced" });
  const handle = writer.register("payload.bin", { snapshot: () => payload, codec: chunkedBytes });
  const monitor = createStallMonitor();
  monitor.start();
  const started = performance.now();
  const result = await handle.request("timed", { urgency: "immediate" }).settled;
  const ms = performance.now() - started;
  const stall = monitor.stop();
  await writer.close({ timeoutMs: 120_000 });
  if (!result.ok) throw result.error;
  return { ms, stall };
}

/**
 * The worker contender: one writer whose target runs in a worker replica holding the payload and
 * its own sink-postgres; each call saves the whole payload once more (request → settled).
 */
function workerContender(url: string, payload: Uint8Array) {
  const replica = createWorkerReplica({
    module: new URL("./postgres-replica-worker.js", import.meta.url),
    options: { url },
  });
  const copy = payload.slice();
  replica.patch({ payload: copy }, [copy.buffer as ArrayBuffer]);
  const writer = createPersistenceWriter({});
  const handle = writer.register("payload-worker.bin", { runner: replica });
  return {
    async save(): Promise<{ ms: number; stall: StallReport }> {
      const monitor = createStallMonitor();
      monitor.start();
      const started = performance.now();
      const result = await handle.request("timed", { urgency: "immediate" }).settled;
      const ms = performance.now() - started;
      const stall = monitor.stop();
      if (!result.ok) throw result.error;
      return { ms, stall };
    },
    close: () => writer.close({ timeoutMs: 120_000 }),
  };
}

async function controlWindow(ms: number): Promise<StallReport> {
  const monitor = createStallMonitor();
  monitor.start();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return monitor.stop();
}

async function measureSize(payloadMiB: number, rounds: number): Promise<PostgresBenchRow> {
  const payload = randomFillSync(new Uint8Array(payloadMiB * MiB));
  const server = await startPgServer();
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-bench-fs-"));
  const postgres = await openPostgresSink({ connectionString: server.url, chunkBytes: MiB });
  const fs = createFsSink({ dir });
  const worker = workerContender(server.url, payload);
  try {
    // One untimed save each: the sweep of sink-fs, the pool's first connection, the table's pages.
    await timedSave(fs, payload);
    await timedSave(postgres, payload);
    await worker.save();
    const times = { fs: [] as number[], postgres: [] as number[], worker: [] as number[] };
    const stalls = {
      control: [] as StallReport[],
      fs: [] as StallReport[],
      postgres: [] as StallReport[],
      worker: [] as StallReport[],
    };
    let lastMs = 100;
    const steps: Array<() => Promise<void>> = [
      async () => {
        stalls.control.push(await controlWindow(lastMs));
      },
      async () => {
        const run = await timedSave(fs, payload);
        times.fs.push(run.ms);
        stalls.fs.push(run.stall);
      },
      async () => {
        const run = await timedSave(postgres, payload);
        times.postgres.push(run.ms);
        stalls.postgres.push(run.stall);
        lastMs = run.ms;
      },
      async () => {
        const run = await worker.save();
        times.worker.push(run.ms);
        stalls.worker.push(run.stall);
      },
    ];
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so machine noise hits every contender alike.
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]?.();
    }
    const maxOf = (list: StallReport[]) => median(list.map((report) => report.maxStallMs));
    const p99Of = (list: StallReport[]) => median(list.map((report) => report.p99StallMs));
    const fsMs = median(times.fs);
    const postgresMs = median(times.postgres);
    return {
      payloadMiB,
      rounds,
      fsMs,
      postgresMs,
      workerMs: median(times.worker),
      ratio: Number((postgresMs / fsMs).toFixed(2)),
      stallMaxMs: {
        control: maxOf(stalls.control),
        fs: maxOf(stalls.fs),
        postgres: maxOf(stalls.postgres),
        worker: maxOf(stalls.worker),
      },
      stallP99Ms: {
        control: p99Of(stalls.control),
        fs: p99Of(stalls.fs),
        postgres: p99Of(stalls.postgres),
        worker: p99Of(stalls.worker),
      },
    };
  } finally {
    await worker.close();
    await postgres.close();
    await fs.close?.();
    server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function stallCells(stall: StallColumns): string {
  return `${stall.control} / ${stall.fs} / ${stall.postgres} / ${stall.worker}`;
}

function renderTable(rows: readonly PostgresBenchRow[]): string {
  const header = [
    "payload",
    "rounds",
    "sink-fs ms",
    "sink-postgres ms",
    "pg/fs",
    "pg worker ms",
    "max stall ms control/fs/pg/pg worker",
    "p99 stall ms control/fs/pg/pg worker",
  ];
  const lines = rows.map((row) => [
    `${row.payloadMiB} MiB`,
    String(row.rounds),
    row.fsMs.toFixed(1),
    row.postgresMs.toFixed(1),
    `${row.ratio}×`,
    row.workerMs.toFixed(1),
    stallCells(row.stallMaxMs),
    stallCells(row.stallP99Ms),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] ?? "").length)),
  );
  const format = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  return [format(header), ...lines.map(format)].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "1,20,200" },
      "no-save": { type: "boolean", default: false },
    },
    strict: true,
  });
  const sizes = (values.sizes ?? "").split(",").map(Number);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new RangeError(`--sizes must be positive integers (MiB), got ${values.sizes}`);
  }
  const availability = pgAvailability();
  if (!availability.available) {
    console.log(`bench:postgres skipped: ${availability.reason}`);
    return;
  }
  const rows: PostgresBenchRow[] = [];
  for (const size of sizes) {
    const rounds = size >= 200 ? 3 : size >= 20 ? 5 : 9;
    console.log(`measuring ${size} MiB (${rounds} rounds)…`);
    rows.push(await measureSize(size, rounds));
  }
  console.log(
    `\nend-to-end save over sink-postgres vs sink-fs (medians; loopback server, fsync on)\n`,
  );
  console.log(renderTable(rows));
  if (!values["no-save"]) {
    const out = fileURLToPath(new URL("../results/postgres-latest.json", import.meta.url));
    await writeFile(out, `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
  }
}

await main();
