// Durable appends of 256-byte records with 1 and 8 concurrent producers: snapwrite's append log
// and segment journal against fs.appendFile + fsync per record and pino with fsync: true.
// Then kills a child process appending with each contender and counts acknowledged records lost.
// Run: npm run build -w @snapwrite/bench && npm run bench:journal -w @snapwrite/bench
//   [-- --ms 2000 --kill-rounds 5 --kill-only --only <contender text> --no-save]

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { appendFsynced } from "./append-fsynced.js";
import { importLoose } from "./import-loose.js";
import { type KillRow, killTable, runKillChild, runKillRounds } from "./journal-kill.js";
import { percentile } from "./percentile.js";
import { createPrng } from "./prng.js";

const RECORD_BYTES = 256;
const PRODUCERS = [1, 8] as const;
/** Appends each producer keeps in flight: 1 waits for each record; 16 is a logger-style pipeline. */
const WINDOWS = [1, 16] as const;
const GOAL_RATIO = 10;

interface Appender {
  append(producer: number, i: number): Promise<void> | void;
  close(): Promise<void>;
}

interface Contender {
  readonly id: string;
  open(dir: string): Promise<Appender | string>;
}

/** A JSON value whose line is about RECORD_BYTES long. */
function jsonRecord(producer: number, i: number): { p: number; i: number; pad: string } {
  return { p: producer, i, pad: "x".repeat(RECORD_BYTES - 60) };
}

function lineOf(producer: number, i: number): string {
  const text = JSON.stringify(jsonRecord(producer, i));
  return `${text}${" ".repeat(Math.max(0, RECORD_BYTES - 1 - text.length))}\n`;
}

const appendFileFsync: Contender = {
  id: "fs.appendFile+fsync per record",
  async open(dir) {
    const path = join(dir, "plain.log");
    return {
      append: (p, i) => appendFsynced(path, lineOf(p, i)),
      close: async () => undefined,
    };
  },
};

const pinoFsync: Contender = {
  id: "pino (sync destination, fsync: true)",
  async open(dir) {
    const mod = await importLoose("pino");
    if (typeof mod === "string") return `pino unavailable: ${mod}`;
    const pino = (mod.default ?? mod) as unknown as {
      (options: object, stream: unknown): { info(value: object): void; flush(): void };
      destination(options: object): { flushSync(): void; end(): void };
    };
    const destination = pino.destination({ dest: join(dir, "pino.log"), sync: true, fsync: true });
    const logger = pino({ base: null, timestamp: false }, destination);
    return {
      append(p, i) {
        logger.info(jsonRecord(p, i));
      },
      async close() {
        destination.flushSync();
        destination.end();
      },
    };
  },
};

type JournalModule = {
  openAppendLog(
    options: object,
  ): Promise<{ append(v: unknown): Promise<unknown>; close(): Promise<unknown> }>;
  openJournal(
    options: object,
  ): Promise<{ append(b: Uint8Array): Promise<unknown>; close(): Promise<unknown> }>;
};

async function journalModule(): Promise<JournalModule | string> {
  const mod = await importLoose("@snapwrite/journal");
  return typeof mod === "string"
    ? `@snapwrite/journal unavailable: ${mod}`
    : (mod as unknown as JournalModule);
}

function appendLogContender(lock: "append" | "session"): Contender {
  return {
    id: `snapwrite openAppendLog (lock: "${lock}", durability: "append")`,
    async open(dir) {
      const mod = await journalModule();
      if (typeof mod === "string") return mod;
      const log = await mod.openAppendLog({ path: join(dir, `log-${lock}.jsonl`), lock });
      return {
        append: async (p, i) => {
          await log.append(jsonRecord(p, i));
        },
        close: async () => {
          await log.close();
        },
      };
    },
  };
}

const segmentJournal: Contender = {
  id: 'snapwrite openJournal (durability: "commit")',
  async open(dir) {
    const mod = await journalModule();
    if (typeof mod === "string") return mod;
    const journal = await mod.openJournal({ dir: join(dir, "wal"), name: "bench" });
    const payload = new Uint8Array(RECORD_BYTES - 20).fill(0x61);
    return {
      append: async () => {
        await journal.append(payload);
      },
      close: async () => {
        await journal.close();
      },
    };
  },
};

interface Row {
  readonly contender: string;
  readonly producers: number;
  readonly window: number;
  readonly records: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Latency of one append, call to acknowledgement, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly error?: string | undefined;
}

async function measure(
  contender: Contender,
  producers: number,
  window: number,
  ms: number,
): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-bench-journal-"));
  try {
    const appender = await contender.open(dir);
    if (typeof appender === "string") {
      return {
        contender: contender.id,
        producers,
        window,
        records: 0,
        seconds: 0,
        perSecond: 0,
        p50Ms: 0,
        p99Ms: 0,
        error: appender,
      };
    }
    let records = 0;
    const latencies: number[] = [];
    const start = performance.now();
    const deadline = start + ms;
    const lane = async (p: number, slot: number) => {
      for (let i = slot; performance.now() < deadline; i += window) {
        const began = performance.now();
        await appender.append(p, i);
        latencies.push(performance.now() - began);
        records++;
      }
    };
    await Promise.all(
      Array.from({ length: producers * window }, (_, k) =>
        lane(Math.floor(k / window), k % window),
      ),
    );
    const seconds = (performance.now() - start) / 1000;
    await appender.close();
    latencies.sort((a, b) => a - b);
    return {
      contender: contender.id,
      producers,
      window,
      records,
      seconds,
      perSecond: records / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const msAt = args.indexOf("--ms");
  const ms = msAt >= 0 ? Number(args[msAt + 1]) : 2_000;
  const save = !args.includes("--no-save");
  const killAt = args.indexOf("--kill-rounds");
  const killRounds = killAt >= 0 ? Math.max(0, Math.min(50, Number(args[killAt + 1]) || 0)) : 5;
  const killOnly = args.includes("--kill-only");
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(here, "..", "results", "journal-append.json");
  let kills: KillRow[] = [];
  if (killRounds > 0) {
    const prng = createPrng(0x6b111);
    kills = await runKillRounds(
      fileURLToPath(import.meta.url),
      killRounds,
      () => mkdtemp(join(tmpdir(), "snapwrite-bench-kill-")),
      (dir) => rm(dir, { recursive: true, force: true }),
      () => prng.nextFloat(),
    );
    process.stdout.write(
      `\nSIGKILL after 100–500 ms, ${killRounds} round(s) per contender, 8 producers × 4 in flight\n\n${killTable(kills).join("\n")}\n`,
    );
  }
  if (killOnly) {
    if (save) {
      const previous = JSON.parse(await readFile(out, "utf8").catch(() => "{}")) as object;
      await writeFile(out, `${JSON.stringify({ ...previous, killRounds, kills }, null, 2)}\n`);
    }
    return;
  }
  const contenders = [
    appendFileFsync,
    pinoFsync,
    appendLogContender("append"),
    appendLogContender("session"),
    segmentJournal,
  ];
  // --only <text>: measure only contenders whose id contains text (the control always runs).
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? String(args[onlyAt + 1]) : undefined;
  const chosen = contenders.filter(
    (c) => only === undefined || c === appendFileFsync || c.id.includes(only),
  );
  const rows: Row[] = [];
  for (const window of WINDOWS) {
    for (const producers of PRODUCERS) {
      for (const contender of chosen) {
        process.stderr.write(`… ${contender.id}, ${producers} producer(s), window ${window}\n`);
        rows.push(await measure(contender, producers, window, ms));
      }
    }
  }
  const key = (r: Row) => `${r.producers}/${r.window}`;
  const baseline = new Map(
    rows.filter((r) => r.contender === appendFileFsync.id).map((r) => [key(r), r.perSecond]),
  );
  const lines = [
    `durable appends of ${RECORD_BYTES}-byte records, ${ms} ms per run; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
    "",
    "| contender | producers | in flight per producer | records/s | p50 ms | p99 ms | × appendFile+fsync |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const base = baseline.get(key(r)) ?? 0;
    const ratio = base > 0 && r.error === undefined ? (r.perSecond / base).toFixed(1) : "–";
    lines.push(
      `| ${r.contender}${r.error ? ` (${r.error})` : ""} | ${r.producers} | ${r.window} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${ratio} |`,
    );
  }
  const goals = rows
    .filter((r) => r.producers === 8 && r.contender.startsWith("snapwrite"))
    .map((r) => {
      const ratio = r.perSecond / (baseline.get(key(r)) ?? Number.POSITIVE_INFINITY);
      return { contender: r.contender, window: r.window, ratio, met: ratio >= GOAL_RATIO };
    });
  lines.push("", `goal: ≥ ${GOAL_RATIO}× the per-record-fsync throughput at 8 producers`);
  for (const g of goals) {
    const verdict = g.met ? "met" : "NOT met";
    lines.push(
      `- ${verdict}: ${g.contender}, ${g.window} in flight per producer: ${g.ratio.toFixed(1)}×`,
    );
  }
  process.stdout.write(`\n${lines.join("\n")}\n`);
  if (save) {
    await writeFile(
      out,
      `${JSON.stringify({ ms, cores: cpus().length, load: loadavg(), rows, goals, killRounds, kills }, null, 2)}\n`,
    );
  }
}

const childAt = process.argv.indexOf("--kill-child");
if (childAt >= 0) {
  await runKillChild(Number(process.argv[childAt + 1]), String(process.argv[childAt + 2]));
} else {
  await main();
}
