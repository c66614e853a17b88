// The store bench's stall goal, measured in child processes: the owner's max stall at 16 callers
// against the goal's control run, which applies the same updates to the same 1M-entry state in
// memory and persists nothing (the stall profile's `--in-memory`, store-stall-profile.ts), in
// alternating rounds of one process, each round followed by an idle window as long as it. The
// longest stalls of both are young-generation collections (scavenges), each copying what the
// updates since the one before left alive: the state's new values and its path copies. How long
// one is depends on how much new space fills between two of them, which is the Node process's
// choice, not the store's (node's --max-semi-space-size, 16 MB per semi-space by default in
// Node 20). So the same rounds run twice, one child after the other: with node's default young
// generation (the verdict's) and with --max-semi-space-size=2.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fmt } from "./store-bench-run.js";

const execFileAsync = promisify(execFile);

/** The label of the stall goal's in-memory control run in the stall profile's `--json` line. */
export const IN_MEMORY_LABEL = "in memory, no persistence";

/** The semi-space size of the second child, MB. */
export const SMALL_SEMI_SPACE_MB = 2;
/**
 * Rounds of 2,000 updates per child and contender. The control allocates less per update than the
 * store, so a scavenge comes every few of its rounds: eight rounds give it several.
 */
const ROUNDS = 8;
/** Each child seeds its own store and runs its rounds well within this. */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** One child's rounds: the store's max stall and the idle control's of each round. */
export interface YoungGenSample {
  readonly commitsPerSecond: number;
  readonly maxStallMs: readonly number[];
  /** The idle window after each round, as long as the round. */
  readonly controlMs: readonly number[];
  readonly longestScavengeMs: readonly number[];
  /** Passes of each round's 2,000 updates until a young-generation collection came. */
  readonly passes: readonly number[];
  /** Young-generation collections of each round. */
  readonly scavenges: readonly number[];
  /** Per round: the longest stall (or part of one) that no collection covered, ms. */
  readonly unexplainedMs: readonly number[];
  /**
   * Per round, the longest time the owner thread ran on a CPU in a stall's part outside
   * collections, ms: a step of its own. Linux only (the thread's scheduler counters); absent where
   * they cannot be read.
   */
  readonly heldMs?: readonly number[];
  /** Per round, the longest time the owner thread waited for a CPU in such a part, ms. */
  readonly waitedMs?: readonly number[];
}

/** One child's alternating rounds: the store's, and the in-memory control run's. */
export interface YoungGenRun {
  readonly store: YoungGenSample;
  readonly inMemory: YoungGenSample;
}

/** Both children: node's default young generation, then `--max-semi-space-size=2`. */
export interface YoungGenResults {
  readonly defaultYoungGen: YoungGenRun;
  readonly smallYoungGen: YoungGenRun;
}

async function runChild(entries: number, flags: readonly string[]): Promise<YoungGenRun> {
  const profile = fileURLToPath(new URL("./store-stall-profile.js", import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      "--expose-gc",
      "--max-old-space-size=8192",
      ...flags,
      profile,
      "--entries",
      String(entries),
      "--rounds",
      String(ROUNDS),
      "--in-memory",
      "--sched",
      "--json",
    ],
    { timeout: CHILD_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 1 << 20 },
  );
  const last = stdout.trim().split("\n").pop() ?? "";
  const samples = JSON.parse(last) as Record<string, YoungGenSample>;
  const store = samples["this build"];
  const inMemory = samples[IN_MEMORY_LABEL];
  if (store === undefined || inMemory === undefined) {
    throw new Error(`the stall profile printed no result for both runs: ${last}`);
  }
  return { store, inMemory };
}

/** Runs the two children, one after the other. */
export async function measureYoungGen(entries: number): Promise<YoungGenResults> {
  const defaultYoungGen = await runChild(entries, []);
  const smallYoungGen = await runChild(entries, [`--max-semi-space-size=${SMALL_SEMI_SPACE_MB}`]);
  return { defaultYoungGen, smallYoungGen };
}

/** The largest of `values`. */
const largest = (values: readonly number[]): number => Math.max(0, ...values);

/** The store's largest stall of a child's rounds. */
export function storeMaxStall(run: YoungGenRun): number {
  return largest(run.store.maxStallMs);
}

/** The control run's largest stall of a child's rounds. */
export function controlMaxStall(run: YoungGenRun): number {
  return largest(run.inMemory.maxStallMs);
}

/** Whether the store's largest stall is within `slackMs` of the in-memory control run's. */
export function withinControl(run: YoungGenRun, slackMs: number): boolean {
  return storeMaxStall(run) <= controlMaxStall(run) + slackMs;
}

/** The largest of the child's idle windows, after the rounds of either side. */
export function idleMaxStall(run: YoungGenRun): number {
  return largest([...run.store.controlMs, ...run.inMemory.controlMs]);
}

/** The store's longest stall (or part of one) that no collection covered, ms. */
export function storeUnexplained(run: YoungGenRun): number {
  return largest(run.store.unexplainedMs);
}

/**
 * The machine's own interruptions in a child's rounds: the largest idle window, or the control
 * run's longest stall beside any collection if longer (a busy process is descheduled more often
 * than an idle one that sleeps between its ticks), ms.
 */
export function machineStall(run: YoungGenRun): number {
  return Math.max(idleMaxStall(run), largest(run.inMemory.unexplainedMs));
}

/**
 * Whether the owner's time in stalls outside collections was measured as time on a CPU and time
 * waiting for one (Linux), on both sides.
 */
export function ownerSplitMeasured(run: YoungGenRun): boolean {
  return run.store.heldMs !== undefined && run.inMemory.heldMs !== undefined;
}

/** The store's longest time running its own code in a stall's part outside collections, ms. */
export function storeHeld(run: YoungGenRun): number {
  return largest(run.store.heldMs ?? []);
}

/** The control run's longest time running its own code in a stall's part outside collections. */
export function controlHeld(run: YoungGenRun): number {
  return largest(run.inMemory.heldMs ?? []);
}

/** The store's longest wait for a CPU in a stall's part outside collections, ms. */
export function storeWaited(run: YoungGenRun): number {
  return largest(run.store.waitedMs ?? []);
}

/**
 * Whether the store's stalls outside collections stay within `slackMs` of what the control has
 * of its own: a stall of persistence's own (a long synchronous step) must not hide under the
 * control run's collections. Where the owner thread's scheduler counters were read, a step of its
 * own is the time it ran there, against the control's same figure; the time it waited for a CPU
 * (the process's other threads or the machine's had both) is in the worst stall the first
 * condition judges. Elsewhere, the whole part, against the machine's own ({@link machineStall}).
 */
export function ownStepsWithinMachine(run: YoungGenRun, slackMs: number): boolean {
  if (ownerSplitMeasured(run)) return storeHeld(run) <= controlHeld(run) + slackMs;
  return storeUnexplained(run) <= machineStall(run) + slackMs;
}

/** The stall goal: within the control run's + slack, and no step of its own beside collections. */
export function stallGoalReached(run: YoungGenRun, slackMs: number): boolean {
  return withinControl(run, slackMs) && ownStepsWithinMachine(run, slackMs);
}

/** Whether the store's largest stall is within `slackMs` of the idle windows' largest. */
export function withinIdle(run: YoungGenRun, slackMs: number): boolean {
  return storeMaxStall(run) <= idleMaxStall(run) + slackMs;
}

const perRound = (values: readonly number[]) => values.map((ms) => fmt(ms, 1)).join(" · ");
const yesNo = (b: boolean) => (b ? "yes" : "no");

/** The lines of one child, as the bench prints them. */
export function describeRun(label: string, run: YoungGenRun, slackMs: number): string[] {
  const { store, inMemory } = run;
  const split = (s: YoungGenSample) =>
    s.heldMs !== undefined && s.waitedMs !== undefined
      ? ` (of it, running its own code ${perRound(s.heldMs)}, waiting for a CPU ${perRound(s.waitedMs)})`
      : "";
  const side = (s: YoungGenSample) =>
    `max stall per round ${perRound(s.maxStallMs)} ms (longest scavenge ${perRound(s.longestScavengeMs)}; beside any collection ${perRound(s.unexplainedMs)}${split(s)}; passes ${s.passes.join(" · ")})`;
  return [
    `${label}: store ${side(store)}, ${fmt(store.commitsPerSecond, 0)} commits/s`,
    `  in-memory control ${side(inMemory)}, ${fmt(inMemory.commitsPerSecond, 0)} updates/s`,
    `  idle windows after the store's rounds ${perRound(store.controlMs)} ms, after the control's ${perRound(inMemory.controlMs)} ms`,
    `  within the control run's + ${slackMs} ms: ${yesNo(withinControl(run, slackMs))}; ${ownerSplitMeasured(run) ? "own steps beside collections within the control's own steps" : "beside collections within the machine's own (idle windows, the control's beside collections)"} + ${slackMs} ms: ${yesNo(ownStepsWithinMachine(run, slackMs))}; within the idle windows' + ${slackMs} ms: ${yesNo(withinIdle(run, slackMs))}`,
  ];
}

/** The lines of both children. */
export function describeYoungGen(results: YoungGenResults, slackMs: number): string[] {
  return [
    ...describeRun("node's default young generation", results.defaultYoungGen, slackMs),
    ...describeRun(
      `node --max-semi-space-size=${SMALL_SEMI_SPACE_MB}`,
      results.smallYoungGen,
      slackMs,
    ),
  ];
}
