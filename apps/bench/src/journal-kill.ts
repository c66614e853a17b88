// Which contender loses acknowledged records when its process is killed with SIGKILL.
// A child process appends numbered 256-byte records from 8 producers (4 in flight each) and
// prints every acknowledged record id to a pipe (synchronous on Linux, so a printed id reached
// the parent before the next line of the child ran); the parent kills it after a random short
// time, reads the file(s) back and counts acknowledged records that are missing, and torn or
// garbled records. A process kill keeps everything that reached the kernel (the page cache), so
// this measures what a contender still held in user space; it says nothing about power loss,
// where only fsynced data survives.

import { spawn } from "node:child_process";
import { killContenders } from "./kill-contenders.js";

const KILL_PRODUCERS = 8;
const KILL_WINDOW = 4;

/** The child: append until killed, printing `p:i` for every acknowledged record. */
export async function runKillChild(contenderIndex: number, dir: string): Promise<void> {
  const contender = killContenders[contenderIndex];
  if (contender === undefined) throw new Error(`no kill contender ${contenderIndex}`);
  const appender = await contender.open(dir);
  if (typeof appender === "string") {
    process.stdout.write(`unavailable ${appender}\n`);
    return;
  }
  process.stdout.write("ready\n");
  // Bounded: the parent kills well before this; the child stops on its own after 20 s.
  const deadline = Date.now() + 20_000;
  const lane = async (p: number, slot: number) => {
    for (let i = slot; Date.now() < deadline; i += KILL_WINDOW) {
      const pending = appender.append(p, i);
      // A synchronous append (a logger) would never let the event loop run, so an async
      // destination could never write; yield a turn as an application between records would.
      // A synchronous append is acknowledged when it returns.
      if (pending === undefined) {
        process.stdout.write(`${p}:${i}\n`);
        await new Promise((r) => setImmediate(r));
      } else {
        await pending;
        process.stdout.write(`${p}:${i}\n`);
      }
    }
  };
  await Promise.all(
    Array.from({ length: KILL_PRODUCERS * KILL_WINDOW }, (_, k) =>
      lane(Math.floor(k / KILL_WINDOW), k % KILL_WINDOW),
    ),
  );
}

/** One contender's kill rounds, for the table. */
export interface KillRow {
  readonly contender: string;
  readonly powerLoss: string;
  readonly rounds: number;
  readonly acknowledged: number;
  readonly missing: number;
  readonly torn: number;
  readonly roundsLosing: number;
  readonly error?: string | undefined;
}

interface RoundResult {
  readonly acked: string[];
  readonly unavailable?: string | undefined;
}

/** Spawns one child, kills it `killAfterMs` after it is ready, returns the ids it acknowledged. */
function killRound(
  script: string,
  contenderIndex: number,
  dir: string,
  killAfterMs: number,
): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, "--kill-child", String(contenderIndex), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    let ready = false;
    let unavailable: string | undefined;
    const acked: string[] = [];
    const hardStop = setTimeout(() => child.kill("SIGKILL"), 15_000);
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const l of lines) {
        if (l === "ready") {
          ready = true;
          killTimer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        } else if (l.startsWith("unavailable ")) unavailable = l.slice(12);
        else if (ready && l.length > 0) acked.push(l);
      }
    });
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(hardStop);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve({ acked, unavailable });
    });
  });
}

/** Runs `rounds` kill rounds per contender in fresh directories under `mkdir()`. */
export async function runKillRounds(
  script: string,
  rounds: number,
  mkdir: () => Promise<string>,
  rmdir: (dir: string) => Promise<void>,
  random: () => number,
  only: (id: string) => boolean = () => true,
): Promise<KillRow[]> {
  const rows: KillRow[] = [];
  for (const [index, contender] of killContenders.entries()) {
    if (!only(contender.id)) continue;
    let acknowledged = 0;
    let missing = 0;
    let torn = 0;
    let roundsLosing = 0;
    let error: string | undefined;
    for (let round = 0; round < rounds && error === undefined; round++) {
      const dir = await mkdir();
      try {
        const killAfterMs = 100 + Math.floor(random() * 400);
        process.stderr.write(`… kill: ${contender.id}, round ${round + 1}, ${killAfterMs} ms\n`);
        const result = await killRound(script, index, dir, killAfterMs);
        if (result.unavailable !== undefined) {
          error = result.unavailable;
          break;
        }
        const found = await contender.read(dir);
        const lost = result.acked.filter((id) => !found.ids.has(id)).length;
        acknowledged += result.acked.length;
        missing += lost;
        torn += found.torn;
        if (lost > 0) roundsLosing++;
      } finally {
        await rmdir(dir);
      }
    }
    rows.push({
      contender: contender.id,
      powerLoss: contender.powerLoss,
      rounds,
      acknowledged,
      missing,
      torn,
      roundsLosing,
      error,
    });
  }
  return rows;
}

/** The kill rows as a Markdown table. */
export function killTable(rows: readonly KillRow[]): string[] {
  const lines = [
    "| contender | rounds | acknowledged | acknowledged but missing after SIGKILL | rounds losing records | torn/garbled records | lost at power loss (by design) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.contender}${r.error ? ` (${r.error})` : ""} | ${r.rounds} | ${r.acknowledged} | ${r.missing} | ${r.roundsLosing} | ${r.torn} | ${r.powerLoss} |`,
    );
  }
  return lines;
}
