import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type AppendLogProblem, openAppendLog, readAppendLog } from "../src/index.js";

const APPENDER = fileURLToPath(new URL("./fixtures/appender.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const KILLS = 200;
const PARALLEL = 6;

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Starts an appender, SIGKILLs it a random moment after its first acknowledgement; resolves with its acks. */
function killedAppender(path: string, writer: number, random: () => number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [APPENDER, DIST, path, String(writer), "100000", "2", "8192", "-", "1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let armed = false;
    const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!armed && stdout.includes("ack ")) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), Math.floor(random() * 25));
      }
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearTimeout(deadline);
      if (signal !== "SIGKILL")
        reject(new Error(`appender ended without being killed (${signal}): ${stderr}`));
      else resolve(stdout);
    });
  });
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("SIGKILL during appends", () => {
  it(`${KILLS} kills of appenders mid-write lose no acknowledged record`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "snapwrite-journal-kill-"));
    made.push(dir);
    const path = join(dir, "log.jsonl");
    const random = mulberry(7);
    const acked = new Map<number, string>();
    let kills = 0;
    let started = 0;
    const record = (text: string) => {
      for (const m of text.matchAll(/^ack (\d+) (\d+) (\d+)$/gm)) {
        const seq = Number(m[1]);
        expect(acked.has(seq), `seq ${seq} acknowledged twice`).toBe(false);
        acked.set(seq, `${m[2]}/${m[3]}`);
      }
    };
    // A rolling pool: as soon as one appender is killed, the next one starts.
    const lane = async () => {
      while (started < KILLS) {
        const writer = started++;
        record(await killedAppender(path, writer, random));
        kills++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, lane));
    expect(kills).toBeGreaterThanOrEqual(200);
    // One clean writer repairs whatever the last kill left, then the whole log is read back.
    const log = await openAppendLog({ path, rotate: { maxBytes: 8192 } });
    const last = await log.append({ w: -1, i: 0, pad: "" });
    await log.close();
    const seen = new Map<number, string>();
    const problems: AppendLogProblem[] = [];
    for await (const e of readAppendLog({ path })) {
      if ("problem" in e) problems.push(e);
      else {
        const v = e.value as { w: number; i: number; pad: string };
        expect(v.pad).toBe(v.w < 0 ? "" : String(v.w).repeat(200));
        seen.set(e.seq, `${v.w}/${v.i}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...seen.keys()]).toEqual(Array.from({ length: last.seq }, (_, k) => k + 1));
    for (const [seq, who] of acked) expect(seen.get(seq), `acknowledged seq ${seq}`).toBe(who);
    expect(acked.size).toBeGreaterThan(KILLS);
  }, 120_000);
});
