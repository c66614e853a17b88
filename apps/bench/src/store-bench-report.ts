import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, type PairedUpdates, type Row } from "./store-bench-run.js";
import type { WarmLoad } from "./store-bench-store.js";
import {
  controlHeld,
  controlMaxStall,
  describeYoungGen,
  idleMaxStall,
  machineStall,
  ownerSplitMeasured,
  ownStepsWithinMachine,
  SMALL_SEMI_SPACE_MB,
  stallGoalReached,
  storeHeld,
  storeMaxStall,
  storeUnexplained,
  storeWaited,
  withinControl,
  withinIdle,
  type YoungGenResults,
  type YoungGenRun,
} from "./store-bench-young-gen.js";

const COMMIT_GOAL_RATIO = 5;
export const STALL_SLACK_MS = 2;
/** An idle window that stalls longer than this says the machine was not quiet enough to judge. */
const QUIET_IDLE_MS = 1;
const READ_GOAL_RATIO = 10;
const LOAD_GOAL_RATIO = 1.5;

/** The sizes a store bench ran with. */
export interface StoreBenchOptions {
  readonly entries: number;
  readonly updates: number;
  readonly rewriteEntries: number;
  readonly rewriteUpdates: number;
  readonly journalRecords: number;
}

/** Everything one store bench run measured. */
export interface StoreBenchResults {
  readonly options: StoreBenchOptions;
  /** The machine's load averages (1, 5, 15 min) when the run started. */
  readonly loadAtStart: readonly number[];
  /** Largest stall of the idle windows run beside the store's 16-caller rounds. */
  readonly controlMs: number;
  readonly rows: readonly Row[];
  /** Per round at 16 callers: the store (`first`), better-sqlite3 (`second`), the idle control. */
  readonly commitRounds: PairedUpdates["rounds"];
  readonly sqliteReadUs: number;
  readonly storeReadUs: number;
  /** µs per read of each alternating round; the two figures above are their medians. */
  readonly readRounds: { readonly store: readonly number[]; readonly sqlite: readonly number[] };
  readonly sqliteOpenMs: number;
  readonly warmLoad: WarmLoad;
  /**
   * The stall goal's rounds (the store against the in-memory control run) in child processes with
   * node's default and a small young generation.
   */
  readonly youngGen: YoungGenResults;
}

/** One goal of the store bench and whether this run reached it. */
export interface StoreVerdict {
  readonly goal: string;
  readonly reached: boolean;
  readonly line: string;
  /** Lines printed under the verdict: what the stall is made of, what would close the goal. */
  readonly notes?: readonly string[];
}

/**
 * The second half of the stall verdict's line: what the store's stalls outside collections were,
 * judged as {@link ownStepsWithinMachine} does.
 */
function besideCollections(run: YoungGenRun): string {
  const base = `the store's longest stall beside any collection ${fmt(storeUnexplained(run), 2)} ms`;
  const machine = `the machine's own ${fmt(machineStall(run), 2)} ms (idle windows ${fmt(idleMaxStall(run), 2)}, the control's beside collections ${fmt(Math.max(...run.inMemory.unexplainedMs), 2)})`;
  if (!ownerSplitMeasured(run)) return `${base} vs ${machine}`;
  return `${base} (${machine}), in which its owner thread ran its own code for at most ${fmt(storeHeld(run), 2)} ms at a stretch vs the control run's ${fmt(controlHeld(run), 2)} ms and waited for a CPU up to ${fmt(storeWaited(run), 2)} ms`;
}

/** The stall verdict's notes: both young-generation runs, and the store against an idle loop. */
function stallNotes(results: StoreBenchResults): string[] {
  const { youngGen } = results;
  const run = youngGen.defaultYoungGen;
  const small = youngGen.smallYoungGen;
  const ms = (value: number) => fmt(value, 1);
  const longest = (values: readonly number[]) => ms(Math.max(...values));
  const idle = idleMaxStall(run);
  const notes: string[] = [];
  if (idle > QUIET_IDLE_MS) {
    notes.push(
      `caution: the machine was not quiet: an idle window stalled ${ms(idle)} ms (over ${QUIET_IDLE_MS} ms); rerun on a quiet machine before reading this verdict`,
    );
  }
  const storeCollections = run.store.longestScavengeMs.filter((m) => m > 0).length;
  const rounds = run.store.maxStallMs.length;
  notes.push(
    `what the stalls are: the store's rounds held ${storeCollections} of ${rounds} with a young-generation collection (longest ${longest(run.store.longestScavengeMs)} ms), the control run's ${run.inMemory.longestScavengeMs.filter((m) => m > 0).length} of ${rounds} (longest ${longest(run.inMemory.longestScavengeMs)} ms); the store's longest stall beside any collection ${ms(storeUnexplained(run))} ms, the idle windows' ${ms(idle)} ms`,
    ...describeYoungGen(youngGen, STALL_SLACK_MS).map((line) => `· ${line}`),
  );
  if (!withinControl(run, STALL_SLACK_MS)) {
    notes.push(
      `why missed: the store's worst stall exceeds the control run's by ${fmt(storeMaxStall(run) - controlMaxStall(run), 2)} ms; \`npm run profile:stalls -- --in-memory\` attributes each stall of both sides to the collections it overlapped`,
    );
  }
  if (!ownStepsWithinMachine(run, STALL_SLACK_MS)) {
    notes.push(
      ownerSplitMeasured(run)
        ? `why missed: beside any collection the store's owner thread ran its own code for ${ms(storeHeld(run))} ms at a stretch, more than the control run's ${ms(controlHeld(run))} ms + ${STALL_SLACK_MS}: a long step of its own; \`npm run profile:stalls -- --in-memory --sched\` lists them`
        : `why missed: the store stalled ${ms(storeUnexplained(run))} ms beside any collection, more than the machine's own ${ms(machineStall(run))} ms + ${STALL_SLACK_MS}: a step of its own, or the machine; \`npm run profile:stalls -- --in-memory\` lists them`,
    );
  }
  if (!withinIdle(run, STALL_SLACK_MS)) {
    notes.push(
      `against an idle loop the store misses ${STALL_SLACK_MS} ms of slack (its worst stall ${longest(run.store.maxStallMs)} ms, idle ${ms(idle)} ms; the control run's ${longest(run.inMemory.maxStallMs)} ms): a smaller young generation, node --max-semi-space-size=${SMALL_SEMI_SPACE_MB} (a flag of the process, which the store cannot set), made the store's longest scavenge ${longest(small.store.longestScavengeMs)} ms against ${longest(run.store.longestScavengeMs)} ms and ${withinIdle(small, STALL_SLACK_MS) ? "kept" : "did not keep"} its worst stall within the idle windows' + ${STALL_SLACK_MS} ms`,
    );
  }
  return notes;
}

/** Prints the table of rows and the point-read and warm-load lines. */
export function printStoreResults(results: StoreBenchResults, log: (line: string) => void): void {
  const { rows, options, warmLoad } = results;
  log("");
  log(
    "| contender | entries | callers | updates | commits/s | p50 ms | p99 ms | max stall ms | peak RSS MB | heap after GC MB |",
  );
  log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows)
    log(
      `| ${r.contender} | ${r.entries.toLocaleString()} | ${r.callers} | ${r.updates.toLocaleString()} | ${fmt(r.commitsPerSecond, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.maxStallMs, 1)} | ${fmt(r.peakRssMb, 0)} | ${r.heapAfterGcMb === undefined ? "n/a" : fmt(r.heapAfterGcMb, 0)} |`,
    );
  const rewriteRow = rows.find((r) => r.contender.startsWith("write-file") && r.callers === 1);
  if (rewriteRow) {
    const scaled = rewriteRow.commitsPerSecond * (options.rewriteEntries / options.entries);
    log(
      `write-file-atomic extrapolated to ${options.entries.toLocaleString()} entries (cost ∝ file size): ~${fmt(scaled, 1)} commits/s`,
    );
  }
  const rounds = results.commitRounds;
  const rates = (list: PairedUpdates["rounds"]["first"]) =>
    list.map((r) => fmt(r.commitsPerSecond, 0)).join(" · ");
  log(
    `16 callers, ${rounds.first.length} alternating rounds (commits/s is their median): store ${rates(rounds.first)}; better-sqlite3 ${rates(rounds.second)}; max stall store ${rounds.first.map((r) => fmt(r.maxStallMs, 1)).join(" · ")}, idle control ${rounds.controlMaxStallMs.map((ms) => fmt(ms, 1)).join(" · ")} ms`,
  );
  log(
    `point read (median of ${results.readRounds.store.length} alternating rounds): better-sqlite3 SELECT ${fmt(results.sqliteReadUs, 2)} µs, store.read()+getEntry ${fmt(results.storeReadUs, 3)} µs; rounds SELECT ${results.readRounds.sqlite.map((us) => fmt(us, 2)).join(" · ")}, store ${results.readRounds.store.map((us) => fmt(us, 3)).join(" · ")}`,
  );
  log(
    `warm load: ${options.entries.toLocaleString()}-record snapshot + ${warmLoad.replayed.toLocaleString()} journal records ${fmt(warmLoad.totalMs, 0)} ms (RSS ${fmt(warmLoad.rssMb, 0)} MB), snapshot decode alone ${fmt(warmLoad.decodeMs, 0)} ms; better-sqlite3 reopen ${fmt(results.sqliteOpenMs, 1)} ms`,
  );
}

/** The verdicts: commits and stall at 16 callers, point reads, warm load. */
export function storeVerdicts(results: StoreBenchResults): StoreVerdict[] {
  const { rows, controlMs, sqliteReadUs, storeReadUs, warmLoad } = results;
  const at16 = (prefix: string) =>
    rows.find((r) => r.contender.startsWith(prefix) && r.callers === 16);
  const s16 = at16("snapwrite");
  const q16 = at16("better-sqlite3");
  const verdicts: StoreVerdict[] = [];
  if (s16 && q16) {
    const ratio = s16.commitsPerSecond / q16.commitsPerSecond;
    verdicts.push({
      goal: "commits",
      reached: ratio >= COMMIT_GOAL_RATIO,
      line: `durable commits/s at 16 callers ≥ ${COMMIT_GOAL_RATIO}× better-sqlite3: ${fmt(s16.commitsPerSecond, 0)} vs ${fmt(q16.commitsPerSecond, 0)} = ${fmt(ratio, 2)}× (medians of ${results.commitRounds.first.length} alternating rounds)`,
    });
    const run = results.youngGen.defaultYoungGen;
    const reached = stallGoalReached(run, STALL_SLACK_MS);
    verdicts.push({
      goal: "stall",
      reached,
      line: `owner max stall at 16 callers ≤ the control run's + ${STALL_SLACK_MS} ms: store ${fmt(storeMaxStall(run), 2)} ms vs control ${fmt(controlMaxStall(run), 2)} ms (largest of ${run.store.maxStallMs.length} alternating rounds each in one process, each round repeated until a young-generation collection came; the control run applies the same updates to the same ${results.options.entries.toLocaleString()}-entry state in memory and persists nothing), and ${besideCollections(run)}; beside an idle loop in the rounds against better-sqlite3: store ${fmt(s16.maxStallMs, 2)} ms, idle ${fmt(controlMs, 2)} ms, better-sqlite3 ${fmt(q16.maxStallMs, 2)} ms`,
      notes: stallNotes(results),
    });
  }
  const readRatio = sqliteReadUs / storeReadUs;
  verdicts.push({
    goal: "reads",
    reached: readRatio >= READ_GOAL_RATIO,
    line: `point reads ≥ ${READ_GOAL_RATIO}× faster than SELECT: ${fmt(storeReadUs, 3)} µs vs ${fmt(sqliteReadUs, 2)} µs = ${fmt(readRatio, 1)}×`,
  });
  const loadRatio = warmLoad.totalMs / warmLoad.decodeMs;
  verdicts.push({
    goal: "warm-load",
    reached: loadRatio <= LOAD_GOAL_RATIO,
    line: `warm load ≤ ${LOAD_GOAL_RATIO}× snapshot decode: ${fmt(warmLoad.totalMs, 0)} ms vs ${fmt(warmLoad.decodeMs, 0)} ms = ${fmt(loadRatio, 2)}×`,
  });
  return verdicts;
}

/**
 * Writes `store-latest.json` to the ignored `results/local/`, or with `reference` to the committed
 * `results/`; returns its path.
 */
export async function saveStoreResults(
  results: StoreBenchResults,
  verdicts: readonly StoreVerdict[],
  reference: boolean,
): Promise<string> {
  const { options, warmLoad } = results;
  const here = dirname(fileURLToPath(import.meta.url));
  const folder = reference
    ? resolve(here, "..", "results")
    : resolve(here, "..", "results", "local");
  await mkdir(folder, { recursive: true });
  const out = resolve(folder, "store-latest.json");
  await writeFile(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverageAtStart: results.loadAtStart,
        loadAverage: loadavg(),
        options,
        controlMaxStallMs: results.controlMs,
        rows: results.rows,
        commitRounds: results.commitRounds,
        pointReadUs: { sqlite: results.sqliteReadUs, store: results.storeReadUs },
        pointReadRoundsUs: results.readRounds,
        warmLoad: {
          totalMs: warmLoad.totalMs,
          decodeMs: warmLoad.decodeMs,
          replayed: warmLoad.replayed,
          rssMb: warmLoad.rssMb,
          sqliteOpenMs: results.sqliteOpenMs,
        },
        youngGeneration: results.youngGen,
        verdicts,
      },
      null,
      2,
    )}\n`,
  );
  return out;
}
