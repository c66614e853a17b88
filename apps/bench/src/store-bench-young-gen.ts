// The store bench's look at what would close its stall goal: the owner's longest stalls at 16
// callers are young-generation collections (scavenges), each copying what the commits since the one
// before left alive: the state's new values and its path copies. How long one is depends on how
// much new space fills between two of them, which is the Node process's choice, not the store's
// (node's --max-semi-space-size, 16 MB per semi-space by default in Node 20). This runs the stall
// profile (store-stall-profile.ts) in two child processes one after the other, with node's default
// young generation and with --max-semi-space-size=2, each with its own idle control windows.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fmt } from "./store-bench-run.js";

const execFileAsync = promisify(execFile);

/** The semi-space size of the second child, MB. */
export const SMALL_SEMI_SPACE_MB = 2;
/** Rounds of 2,000 updates per child. */
const ROUNDS = 4;
/** Each child seeds its own store and runs its rounds well within this. */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** One child's rounds: the store's max stall and the idle control's of each round. */
export interface YoungGenSample {
  readonly commitsPerSecond: number;
  readonly maxStallMs: readonly number[];
  readonly controlMs: readonly number[];
  readonly longestScavengeMs: readonly number[];
}

/** Both children: node's default young generation, then `--max-semi-space-size=2`. */
export interface YoungGenResults {
  readonly defaultYoungGen: YoungGenSample;
  readonly smallYoungGen: YoungGenSample;
}

async function runChild(entries: number, flags: readonly string[]): Promise<YoungGenSample> {
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
      "--json",
    ],
    { timeout: CHILD_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 1 << 20 },
  );
  const last = stdout.trim().split("\n").pop() ?? "";
  const sample = (JSON.parse(last) as Record<string, YoungGenSample>)["this build"];
  if (sample === undefined) throw new Error(`the stall profile printed no result: ${last}`);
  return sample;
}

/** Runs the two children, one after the other. */
export async function measureYoungGen(entries: number): Promise<YoungGenResults> {
  const defaultYoungGen = await runChild(entries, []);
  const smallYoungGen = await runChild(entries, [`--max-semi-space-size=${SMALL_SEMI_SPACE_MB}`]);
  return { defaultYoungGen, smallYoungGen };
}

/** Whether the sample's largest stall is within `slackMs` of its largest control stall. */
export function withinSlack(sample: YoungGenSample, slackMs: number): boolean {
  return Math.max(...sample.maxStallMs) <= Math.max(...sample.controlMs) + slackMs;
}

/** One line per child, as the bench prints them. */
export function describeYoungGen(results: YoungGenResults, slackMs: number): string[] {
  const line = (label: string, s: YoungGenSample) =>
    `${label}: max stall per round ${s.maxStallMs.map((ms) => fmt(ms, 1)).join(" · ")} ms vs idle control ${s.controlMs.map((ms) => fmt(ms, 1)).join(" · ")} ms, longest scavenge per round ${s.longestScavengeMs.map((ms) => fmt(ms, 1)).join(" · ")} ms, ${fmt(s.commitsPerSecond, 0)} commits/s; within control + ${slackMs} ms: ${withinSlack(s, slackMs) ? "yes" : "no"}`;
  return [
    line("node's default young generation", results.defaultYoungGen),
    line(`node --max-semi-space-size=${SMALL_SEMI_SPACE_MB}`, results.smallYoungGen),
  ];
}
