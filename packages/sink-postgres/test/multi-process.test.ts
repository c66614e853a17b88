// Three writer processes share one target through the built sink, with interleaved epochs (every
// restart draws a newer one), random SIGKILLs and pg_terminate_backend of their connections. The
// stored head must never go back in (epoch, generation), must never fall behind an acknowledged
// write, and no chunk rows may be orphaned.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresSink } from "../src/index.js";

const server = await serverForThisFile();
const WRITER = fileURLToPath(new URL("./fixtures/fenced-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const SCHEMA = "multi";
const TARGET = "shard-7/state.bin";
const MIN_WRITES = 1000;
const DEADLINE_MS = 40_000;

interface Token {
  readonly epoch: number;
  readonly generation: number;
}

const compare = (a: Token, b: Token) => a.epoch - b.epoch || a.generation - b.generation;

interface Writer {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  epoch?: number;
}

if (server !== undefined) {
  describe("several writer processes on one target", () => {
    const admin = new pg.Pool({ connectionString: server.url, max: 3 });
    admin.on("error", () => undefined);
    const children = new Set<ChildProcess>();
    afterAll(async () => {
      for (const child of children) child.kill("SIGKILL");
      await admin.end();
    });

    it("never lets a fenced writer overwrite, never loses an acknowledged write, leaves no orphans", async () => {
      expect(existsSync(DIST), "build the package first (npm run build)").toBe(true);
      const setup = await openPostgresSink({ connectionString: server.url, schema: SCHEMA });
      await setup.close();

      let attempts = 0;
      let stale = 0;
      let transient = 0;
      let maxAcked: Token = { epoch: 0, generation: 0 };
      const acksByEpoch = new Map<number, Token[]>();
      const violations: string[] = [];

      function start(name: string, count: number): Writer {
        const child = spawn(
          process.execPath,
          [WRITER, server?.url ?? "", SCHEMA, TARGET, name, String(count)],
          {
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        children.add(child);
        const writer: Writer = {
          child,
          exited: new Promise((resolve) => child.once("exit", () => resolve())),
        };
        void writer.exited.then(() => children.delete(child));
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
          const line = JSON.parse(text) as { type: string; code?: string } & Token;
          if (line.type === "open") writer.epoch = line.epoch;
          if (line.type === "ack") {
            attempts += 1;
            if (compare(line, maxAcked) > 0)
              maxAcked = { epoch: line.epoch, generation: line.generation };
            const list = acksByEpoch.get(line.epoch) ?? [];
            list.push(line);
            acksByEpoch.set(line.epoch, list);
          }
          if (line.type === "fail") {
            attempts += 1;
            if (line.code === "ERR_STALE") stale += 1;
            else if (line.code === "ERR_IO" || line.code === "ERR_BUSY") transient += 1;
            else violations.push(`unexpected failure ${line.code}`);
          }
        });
        return writer;
      }

      // The monitor: the head only ever moves forward, and never falls behind an acknowledged write.
      let lastSeen: Token = { epoch: 0, generation: 0 };
      let monitoring = true;
      const monitor = (async () => {
        while (monitoring) {
          const floor = maxAcked;
          const result = await admin.query<{ epoch: string; generation: string }>(
            `SELECT epoch, generation FROM "${SCHEMA}".snapwrite_head WHERE target = $1`,
            [TARGET],
          );
          const row = result.rows[0];
          if (row !== undefined) {
            const seen = { epoch: Number(row.epoch), generation: Number(row.generation) };
            if (compare(seen, lastSeen) < 0) {
              violations.push(
                `head went back from ${JSON.stringify(lastSeen)} to ${JSON.stringify(seen)}`,
              );
            }
            if (compare(seen, floor) < 0) {
              violations.push(
                `head ${JSON.stringify(seen)} is behind acknowledged ${JSON.stringify(floor)}`,
              );
            }
            lastSeen = seen;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      const slots: Writer[] = [];
      let spawned = 0;
      for (let i = 0; i < 3; i++) slots.push(start(`w${spawned++}`, 150));
      let kills = 0;
      let terminations = 0;
      const started = Date.now();
      while (attempts < MIN_WRITES || kills < 4 || terminations < 6) {
        if (Date.now() - started > DEADLINE_MS) throw new Error(`deadline: ${attempts} writes`);
        await new Promise((resolve) => setTimeout(resolve, 60 + Math.random() * 60));
        const slot = Math.floor(Math.random() * slots.length);
        const roll = Math.random();
        if (roll < 0.25 && kills < 4) {
          kills += 1;
          (slots[slot] as Writer).child.kill("SIGKILL");
        } else if (roll < 0.6 && terminations < 6) {
          const killed = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE application_name LIKE 'fenced-%' ORDER BY random() LIMIT 1`,
          );
          terminations += killed.rowCount ?? 0;
        }
        // A writer that died or finished is replaced by a new instance: a newer epoch.
        for (let i = 0; i < slots.length; i++) {
          if (
            (slots[i] as Writer).child.exitCode !== null ||
            (slots[i] as Writer).child.signalCode !== null
          ) {
            slots[i] = start(`w${spawned++}`, 150);
          }
        }
      }
      for (const writer of slots) writer.child.kill("SIGKILL");
      await Promise.all(slots.map((writer) => writer.exited));

      // The final owner: a fresh instance fences everyone and its acknowledged writes are readable.
      const final = start("final", 20);
      await final.exited;
      monitoring = false;
      await monitor;

      expect(violations).toEqual([]);
      expect(attempts).toBeGreaterThanOrEqual(MIN_WRITES);
      expect(stale).toBeGreaterThan(0);
      expect(kills).toBe(4);
      expect(terminations).toBeGreaterThanOrEqual(6);
      const finalAcks = acksByEpoch.get(final.epoch as number) ?? [];
      expect(finalAcks).toHaveLength(20);
      const last = finalAcks[finalAcks.length - 1] as Token;
      const reader = await openPostgresSink({
        connectionString: server.url,
        schema: SCHEMA,
        migrate: false,
      });
      try {
        const stored = Buffer.from(await reader.read(TARGET));
        expect(stored.subarray(0, 20).toString("latin1")).toMatch(
          new RegExp(`^${last.epoch}:${last.generation}:`),
        );
        const head = await admin.query<{ epoch: string; generation: string }>(
          `SELECT epoch, generation FROM "${SCHEMA}".snapwrite_head WHERE target = $1`,
          [TARGET],
        );
        expect(head.rows[0]).toEqual({
          epoch: String(last.epoch),
          generation: String(last.generation),
        });
      } finally {
        await reader.close();
      }
      const orphans = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${SCHEMA}".snapwrite_chunk c
          WHERE NOT EXISTS (SELECT 1 FROM "${SCHEMA}".snapwrite_head h
                             WHERE c.version IN (h.version, h.prev_version))`,
      );
      expect(Number(orphans.rows[0]?.n)).toBe(0);
      console.info(
        `multi-process: ${attempts} writes (${stale} stale, ${transient} transient), ${kills} SIGKILLs, ${terminations} terminated backends, ${spawned + 1} instances`,
      );
    }, 60_000);
  });
}
