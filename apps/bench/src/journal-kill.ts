// Which contender loses acknowledged records when its process is killed with SIGKILL.
// A child process appends numbered 256-byte records from 8 producers (4 in flight each) and
// prints every acknowledged record id to a pipe (synchronous on Linux, so a printed id reached
// the parent before the next line of the child ran); the parent kills it after a random short
// time, reads the file(s) back and counts acknowledged records that are missing, and torn or
// garbled records. A process kill keeps everything that reached the kernel (the page cache), so
// this measures what a contender still held in user space; it says nothing about power loss,
// where only fsynced data survives.

import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { appendFsynced } from "./append-fsynced.js";
import { importLoose } from "./import-loose.js";

const RECORD_BYTES = 256;
const KILL_PRODUCERS = 8;
const KILL_WINDOW = 4;

/** The record with id `p:i` as a JSON line of RECORD_BYTES bytes. */
function record(p: number, i: number): { p: number; i: number; pad: string } {
  return { p, i, pad: "x".repeat(RECORD_BYTES - 60) };
}
function line(p: number, i: number): string {
  const text = JSON.stringify(record(p, i));
  return `${text}${" ".repeat(Math.max(0, RECORD_BYTES - 1 - text.length))}\n`;
}

export interface Found {
  readonly ids: Set<string>;
  /** Records cut short or unparsable (a torn tail included). */
  readonly torn: number;
}

interface KillContender {
  readonly id: string;
  /** What survives a power loss once an append is acknowledged. */
  readonly powerLoss: string;
  open(dir: string): Promise<{ append(p: number, i: number): Promise<void> | void } | string>;
  read(dir: string): Promise<Found>;
}

type JournalModule = {
  openAppendLog(options: object): Promise<{ append(v: unknown): Promise<unknown> }>;
  readAppendLog(options: object): AsyncIterable<{ value?: unknown; problem?: string }>;
  openJournal(options: object): Promise<{ append(b: Uint8Array): Promise<unknown> }>;
  replayJournal(options: {
    dir: string;
    name: string;
    onRecord(r: { payload: Uint8Array }): void;
  }): Promise<{ tail: unknown; damage: readonly unknown[] }>;
};

async function journalModule(): Promise<JournalModule | string> {
  const mod = await importLoose("@snapwrite/journal");
  return typeof mod === "string" ? mod : (mod as unknown as JournalModule);
}

function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { p, i } = value as { p?: unknown; i?: unknown };
  return typeof p === "number" && typeof i === "number" ? `${p}:${i}` : undefined;
}

/** Reads a file of JSON lines: every parsable line's id; a non-empty unterminated tail is torn. */
export async function readLines(path: string): Promise<Found> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { ids: new Set(), torn: 0 };
  }
  const ids = new Set<string>();
  let torn = 0;
  const parts = text.split("\n");
  const tail = parts.pop() ?? "";
  if (tail.length > 0) torn++;
  for (const part of parts) {
    if (part.trim() === "") continue;
    try {
      const id = idOf(JSON.parse(part));
      if (id === undefined) torn++;
      else ids.add(id);
    } catch {
      torn++;
    }
  }
  return { ids, torn };
}

const appendFileFsync: KillContender = {
  id: "fs.appendFile+fsync per record",
  powerLoss: "none (fsync before ack)",
  async open(dir) {
    const path = join(dir, "plain.log");
    return {
      append: (p, i) => appendFsynced(path, line(p, i)),
    };
  },
  read: (dir) => readLines(join(dir, "plain.log")),
};

function pinoContender(fsync: boolean): KillContender {
  return {
    id: fsync
      ? "pino (sync destination, fsync: true)"
      : "pino (async destination: sync: false, minLength 4096)",
    powerLoss: fsync ? "none (fsync before info() returns)" : "anything not yet written back",
    async open(dir) {
      const mod = await importLoose("pino");
      if (typeof mod === "string") return `pino unavailable: ${mod}`;
      const pino = (mod.default ?? mod) as unknown as {
        (options: object, stream: unknown): { info(value: object): void };
        destination(options: object): unknown;
      };
      const dest = join(dir, "pino.log");
      const destination = fsync
        ? pino.destination({ dest, sync: true, fsync: true })
        : pino.destination({ dest, sync: false, minLength: 4096 });
      const logger = pino({ base: null, timestamp: false }, destination);
      return {
        append(p, i) {
          logger.info(record(p, i));
        },
      };
    },
    read: (dir) => readLines(join(dir, "pino.log")),
  };
}

function appendLogContender(durability: "append" | "os"): KillContender {
  return {
    id: `snapwrite openAppendLog (lock: "append", durability: "${durability}")`,
    powerLoss:
      durability === "append" ? "none (fsync before ack)" : "records since the last sync/rotation",
    async open(dir) {
      const mod = await journalModule();
      if (typeof mod === "string") return mod;
      const log = await mod.openAppendLog({ path: join(dir, "log.jsonl"), durability });
      return {
        append: async (p, i) => {
          await log.append(record(p, i));
        },
      };
    },
    async read(dir) {
      const mod = await journalModule();
      if (typeof mod === "string") throw new Error(mod);
      const ids = new Set<string>();
      let torn = 0;
      for await (const item of mod.readAppendLog({ path: join(dir, "log.jsonl") })) {
        if (item.problem !== undefined) torn++;
        else {
          const id = idOf(item.value);
          if (id === undefined) torn++;
          else ids.add(id);
        }
      }
      return { ids, torn };
    },
  };
}

function journalContender(durability: "commit" | "os"): KillContender {
  return {
    id: `snapwrite openJournal (durability: "${durability}")`,
    powerLoss:
      durability === "commit"
        ? "none (group fdatasync before ack)"
        : "records since the last sync/seal/roll",
    async open(dir) {
      const mod = await journalModule();
      if (typeof mod === "string") return mod;
      const journal = await mod.openJournal({ dir: join(dir, "wal"), name: "kill", durability });
      const encoder = new TextEncoder();
      return {
        append: async (p, i) => {
          await journal.append(encoder.encode(line(p, i)));
        },
      };
    },
    async read(dir) {
      const mod = await journalModule();
      if (typeof mod === "string") throw new Error(mod);
      const ids = new Set<string>();
      let torn = 0;
      const decoder = new TextDecoder();
      const report = await mod.replayJournal({
        dir: join(dir, "wal"),
        name: "kill",
        onRecord(r) {
          try {
            const id = idOf(JSON.parse(decoder.decode(r.payload)));
            if (id === undefined) torn++;
            else ids.add(id);
          } catch {
            torn++;
          }
        },
      });
      torn += (report.tail === null ? 0 : 1) + report.damage.length;
      return { ids, torn };
    },
  };
}

export const killContenders: readonly KillContender[] = [
  appendFileFsync,
  pinoContender(true),
  pinoContender(false),
  appendLogContender("append"),
  appendLogContender("os"),
  journalContender("commit"),
  journalContender("os"),
];

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
