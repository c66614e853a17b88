// `npm run bench:postgres -w @snapwrite/bench`: end-to-end save time of one payload over
// sink-postgres vs sink-fs on the same machine, and the owner's event-loop stall during each save
// next to a control window in which nothing is saved. One row per payload size. A separate entry
// point on purpose: it needs a PostgreSQL server (a throwaway one is started per size).
import { randomFillSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Codec, createPersistenceWriter, type Sink } from "@snapwrite/core";
import { createWorkerReplica } from "@snapwrite/executor-worker";
import { createFsSink } from "@snapwrite/sink-fs";
import { drawPostgresEpoch, openPostgresSink } from "@snapwrite/sink-postgres";
import { pgAvailability, startPgServer } from "@snapwrite/testkit/postgres";
import {
  type CpuPinning,
  canPin,
  pinCpus,
  raiseOwnerPriority,
  resetOwnerPriority,
  unpinSelf,
} from "./cpu-pinning.js";
import { type CpuWindow, startCpuWindow } from "./cpu-window.js";
import { median } from "./percentile.js";
import {
  type PostgresBenchRow,
  renderCpuTable,
  renderTable,
  stallVerdict,
  type WindowColumns,
} from "./postgres-bench-table.js";
import { createStallMonitor, type StallReport } from "./stall-monitor.js";

const MiB = 1024 * 1024;

const medianMs = (values: readonly number[]): number => Number(median(values).toFixed(2));

/** Yields the payload in fresh 1 MiB chunks, like a codec that encodes into new chunk buffers. */
const chunkedBytes: Codec<Uint8Array> = {
  name: "bytes",
  *encode(value) {
    for (let at = 0; at < value.byteLength; at += MiB) yield value.slice(at, at + MiB);
  },
  decode: (bytes) => bytes,
};

/** What one window saw: its length, the owner's stall, and where the CPU time went. */
interface Window {
  readonly ms: number;
  readonly stall: StallReport;
  readonly cpu: CpuWindow;
}

/** Runs `body` inside a stall monitor and a CPU window (the CPU figures are read outside the monitor). */
async function measured(serverPid: number, body: () => Promise<void>): Promise<Window> {
  const cpu = startCpuWindow(serverPid);
  const monitor = createStallMonitor();
  monitor.start();
  const started = performance.now();
  await body();
  const ms = performance.now() - started;
  const stall = monitor.stop();
  return { ms, stall, cpu: cpu.stop() };
}

async function timedSave(sink: Sink, payload: Uint8Array, serverPid: number): Promise<Window> {
  const writer = createPersistenceWriter({ sink, executor: "sliced" });
  const handle = writer.register("payload.bin", { snapshot: () => payload, codec: chunkedBytes });
  let result: Awaited<ReturnType<typeof handle.request>["settled"]> | undefined;
  const window = await measured(serverPid, async () => {
    result = await handle.request("timed", { urgency: "immediate" }).settled;
  });
  await writer.close({ timeoutMs: 120_000 });
  if (result?.ok !== true) throw result?.error;
  return window;
}

/**
 * The worker contender: one writer whose target runs in a worker replica holding the payload and
 * its own sink-postgres; each call saves the whole payload once more (request → settled). The
 * owner's epoch is drawn once, so a worker started again after a crash opens with it.
 */
async function workerContender(url: string, payload: Uint8Array) {
  const epoch = await drawPostgresEpoch({ connectionString: url });
  const replica = createWorkerReplica({
    module: new URL("./postgres-replica-worker.js", import.meta.url),
    options: { url, epoch },
  });
  const copy = payload.slice();
  replica.patch({ payload: copy }, [copy.buffer as ArrayBuffer]);
  const writer = createPersistenceWriter({});
  const handle = writer.register("payload-worker.bin", { runner: replica });
  return {
    async save(serverPid: number): Promise<Window> {
      let result: Awaited<ReturnType<typeof handle.request>["settled"]> | undefined;
      const window = await measured(serverPid, async () => {
        result = await handle.request("timed", { urgency: "immediate" }).settled;
      });
      if (result?.ok !== true) throw result?.error;
      return window;
    },
    close: () => writer.close({ timeoutMs: 120_000 }),
  };
}

const controlWindow = (ms: number, serverPid: number): Promise<Window> =>
  measured(serverPid, () => new Promise((resolve) => setTimeout(resolve, ms)));

type Kind = keyof WindowColumns;
const KINDS: readonly Kind[] = ["control", "fs", "postgres", "worker"];

/** The median of `pick` over each kind's windows. */
function columns(windows: Record<Kind, Window[]>, pick: (window: Window) => number): WindowColumns {
  const [control, fs, postgres, worker] = KINDS.map((kind) => medianMs(windows[kind].map(pick)));
  return { control: control ?? 0, fs: fs ?? 0, postgres: postgres ?? 0, worker: worker ?? 0 };
}

function toRow(
  payloadMiB: number,
  rounds: number,
  windows: Record<Kind, Window[]>,
): PostgresBenchRow {
  const fsMs = medianMs(windows.fs.map((w) => w.ms));
  const postgresMs = medianMs(windows.postgres.map((w) => w.ms));
  return {
    payloadMiB,
    rounds,
    fsMs,
    postgresMs,
    workerMs: medianMs(windows.worker.map((w) => w.ms)),
    ratio: Number((postgresMs / fsMs).toFixed(2)),
    stallMaxMs: columns(windows, (w) => w.stall.maxStallMs),
    stallP99Ms: columns(windows, (w) => w.stall.p99StallMs),
    cpu: {
      ownerBusyMs: columns(windows, (w) => w.stall.activeMs),
      ownerCpuMs: columns(windows, (w) => w.cpu.ownerCpuMs),
      ownerWaitMs: columns(windows, (w) => w.cpu.ownerWaitMs),
      processCpuMs: columns(windows, (w) => w.cpu.processCpuMs),
      serverCpuMs: columns(windows, (w) => w.cpu.serverCpuMs),
      gcMaxPauseMs: columns(windows, (w) => w.stall.gcMaxPauseMs),
    },
  };
}

/** Where the bench's threads run: `--pin` and `--owner-rt`. */
interface Placement {
  readonly pinning: CpuPinning | undefined;
  readonly ownerRt: boolean;
}

async function measureSize(
  payloadMiB: number,
  rounds: number,
  placement: Placement,
): Promise<PostgresBenchRow> {
  const payload = randomFillSync(new Uint8Array(payloadMiB * MiB));
  const server = await startPgServer();
  const pid = server.pid();
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-bench-fs-"));
  const postgres = await openPostgresSink({ connectionString: server.url, chunkBytes: MiB });
  const fs = createFsSink({ dir });
  const worker = await workerContender(server.url, payload);
  try {
    // One untimed save each: the sweep of sink-fs, the pool's first connection, the table's pages.
    await timedSave(fs, payload, pid);
    await timedSave(postgres, payload, pid);
    await worker.save(pid);
    const windows: Record<Kind, Window[]> = { control: [], fs: [], postgres: [], worker: [] };
    let lastMs = 100;
    const steps: Array<() => Promise<void>> = [
      async () => {
        windows.control.push(await controlWindow(lastMs, pid));
      },
      async () => {
        windows.fs.push(await timedSave(fs, payload, pid));
      },
      async () => {
        const run = await timedSave(postgres, payload, pid);
        windows.postgres.push(run);
        lastMs = run.ms;
      },
      async () => {
        windows.worker.push(await worker.save(pid));
      },
    ];
    for (let round = 0; round < rounds; round++) {
      // Again every round: threads and backends started since inherit their creator's CPU.
      if (placement.pinning) pinCpus(placement.pinning, pid);
      if (placement.ownerRt) raiseOwnerPriority();
      // Rotate the order so machine noise hits every contender alike.
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]?.();
    }
    return toRow(payloadMiB, rounds, windows);
  } finally {
    if (placement.ownerRt) resetOwnerPriority();
    if (placement.pinning) unpinSelf();
    await worker.close();
    await postgres.close();
    await fs.close?.();
    server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--pin`: the owner's main thread on CPU 0, everything else (worker, libuv, server) on CPU 1. */
const PIN: CpuPinning = { ownerCpu: 0, otherCpu: 1 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "1,20,200" },
      pin: { type: "boolean", default: false },
      "owner-rt": { type: "boolean", default: false },
      out: { type: "string" },
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
  if (values.pin && (availableParallelism() < 2 || !canPin())) {
    throw new Error("--pin needs taskset (util-linux) and at least 2 CPUs");
  }
  const pinning = values.pin ? PIN : undefined;
  const ownerRt = values["owner-rt"] === true;
  if (ownerRt) {
    // Fails here, with chrt's reason, rather than in the middle of a size.
    raiseOwnerPriority();
    resetOwnerPriority();
  }
  const loadBefore = loadavg()[0] ?? 0;
  const rows: PostgresBenchRow[] = [];
  for (const size of sizes) {
    const rounds = size >= 200 ? 3 : size >= 20 ? 5 : 9;
    console.log(`measuring ${size} MiB (${rounds} rounds)…`);
    rows.push(await measureSize(size, rounds, { pinning, ownerRt }));
  }
  const load = [loadBefore, loadavg()[0] ?? 0].map((value) => value.toFixed(1)).join(" → ");
  const pinned =
    (pinning
      ? `; pinned: owner main thread on CPU ${PIN.ownerCpu}, worker, libuv and server on CPU ${PIN.otherCpu}`
      : "") + (ownerRt ? "; owner main thread SCHED_FIFO" : "");
  console.log(
    `\nend-to-end save over sink-postgres vs sink-fs (medians; loopback server, fsync on${pinned}; load average ${load})\n`,
  );
  console.log(renderTable(rows));
  console.log(`\nwhere the CPU time of each window went\n`);
  console.log(renderCpuTable(rows));
  const missed = rows
    .filter((row) => !stallVerdict(row).reached)
    .map((row) => `${row.payloadMiB} MiB`);
  console.log(
    `\ngoal "the owner's stall stays at the control's level" (sink-postgres in a worker): ${
      missed.length === 0 ? "reached at every size" : `missed at ${missed.join(", ")}`
    }`,
  );
  if (!values["no-save"]) {
    const name = pinning || ownerRt ? "postgres-placed-latest.json" : "postgres-latest.json";
    const out = values.out ?? fileURLToPath(new URL(`../results/${name}`, import.meta.url));
    const meta = { node: process.version, pinned: pinning ?? null, ownerRt, loadAverage: load };
    await writeFile(out, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
  }
}

await main();
