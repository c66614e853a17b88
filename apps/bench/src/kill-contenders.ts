import { join } from "node:path";
import { appendFsynced } from "./append-fsynced.js";
import { importLoose } from "./import-loose.js";
import { type Found, idOf, line, readLines, record } from "./kill-records.js";

/** One contender of the kill test: how it appends, and how its records are read back. */
export interface KillContender {
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

/** The contenders of the kill test, in table order; the child picks one by index. */
export const killContenders: readonly KillContender[] = [
  appendFileFsync,
  pinoContender(true),
  pinoContender(false),
  appendLogContender("append"),
  appendLogContender("os"),
  journalContender("commit"),
  journalContender("os"),
];
