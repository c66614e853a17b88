import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { bodyLength, payloadChunks, verifyPayload } from "./fixtures/payload.mjs";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const WRITER = fileURLToPath(new URL("./fixtures/kill-loop-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const KILLS = Number(process.env.SNAPWRITE_CRASH_KILLS ?? 200);
const LANES = 2;
const MIN_BYTES = 2 << 20;
const MAX_BYTES = 3 << 20;
const MAX_KILL_DELAY_MS = 40;

interface Verified {
  readonly generation: number;
}

/**
 * Spawns a writer that boots and waits for its start generation, so a lane can boot the next
 * writer while it checks the state the previous one left. `go(start)` lets it write;
 * `lastDone()` tracks its "done" lines.
 */
function spawnWriter(dir: string, backup: boolean) {
  const child: ResultPromise = execa(
    process.execPath,
    [WRITER, dir, String(MIN_BYTES), String(MAX_BYTES), backup ? "backup" : "plain"],
    { reject: false, stdin: "pipe", buffer: false, timeout: 60_000 },
  );
  let lastDone = -1;
  let starts = 0;
  const startWaiters: { count: number; resolve: () => void }[] = [];
  let pending = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on("data", (data: Buffer) => {
    pending += data.toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === "ready") onReady();
      const done = /^done (\d+)$/.exec(line);
      if (done !== null) lastDone = Math.max(lastDone, Number(done[1]));
      if (line.startsWith("start ")) {
        starts += 1;
        for (const waiter of startWaiters) if (waiter.count <= starts) waiter.resolve();
      }
      newline = pending.indexOf("\n");
    }
  });
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString("utf8");
  });
  const exited = child.then((result) => result);
  const booted = Promise.race([
    ready,
    exited.then((result) => {
      throw new Error(`writer exited before ready (${result.exitCode}): ${stderr}`);
    }),
  ]);
  booted.catch(() => undefined);
  return {
    child,
    exited,
    async go(start: number) {
      await booted;
      child.stdin?.write(`go ${start}\n`);
    },
    /** Resolves once the writer has begun its `count`-th write (or has exited). */
    startedWrite(count: number): Promise<void> {
      if (starts >= count) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => startWaiters.push({ count, resolve })),
        exited.then(() => undefined),
      ]);
    },
    lastDone: () => lastDone,
    stderr: () => stderr,
  };
}

/**
 * One lane: its own directory and a sequence of writers killed at random moments, with a backup or
 * with the public API at its defaults.
 */
async function runLane(kills: number, backup: boolean) {
  const dir = await dirs.make();
  const seed = createFsSink({ dir, backup });
  await seed.write("state.bin", payloadChunks(0, 0, bodyLength(0, MIN_BYTES, MAX_BYTES)));
  let floor = 0;
  let nextStart = 1;
  let midWrite = 0;
  let afterDone = 0;
  const problems: string[] = [];
  let next = spawnWriter(dir, backup);
  let current: ReturnType<typeof spawnWriter> | undefined;
  try {
    for (let kill = 0; kill < kills; kill += 1) {
      const writer = next;
      current = writer;
      await writer.go(nextStart);
      next = spawnWriter(dir, backup);
      // Kill inside the 1st or 2nd write, anywhere from its first chunk to past its rename.
      await writer.startedWrite(1 + Math.floor(Math.random() * 2));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * MAX_KILL_DELAY_MS));
      writer.child.kill("SIGKILL");
      const result = await writer.exited;
      if (result.signal !== "SIGKILL") {
        problems.push(`kill ${kill}: writer ended with ${result.exitCode}: ${writer.stderr()}`);
        break;
      }
      const lastDone = writer.lastDone();
      if (lastDone >= 0) afterDone += 1;
      floor = Math.max(floor, lastDone);
      if ((await readdir(dir)).some((name) => name.endsWith(".tmp"))) midWrite += 1;

      const fresh = createFsSink({ dir });
      let primary: Verified;
      try {
        primary = verifyPayload(await fresh.read("state.bin"));
      } catch (error) {
        problems.push(`kill ${kill}: primary unreadable: ${String(error)}`);
        break;
      }
      if (primary.generation < floor) {
        problems.push(
          `kill ${kill}: primary generation ${primary.generation} < last done ${floor}`,
        );
      }
      let kept: Verified | undefined;
      try {
        kept = verifyPayload(await fresh.read("state.bin", { from: "backup" }));
      } catch (error) {
        if ((error as { code?: string }).code !== "ERR_NOT_FOUND") {
          problems.push(`kill ${kill}: backup unreadable: ${String(error)}`);
        }
      }
      if (!backup && kept !== undefined) problems.push(`kill ${kill}: a backup without the option`);
      // Generation 0 was seeded; once a writer replaced it, the backup lane must have a backup.
      if (backup && primary.generation >= 1 && kept === undefined) {
        problems.push(`kill ${kill}: no backup behind generation ${primary.generation}`);
      }
      // Equal when the kill fell between the backup link and the rename: both still complete.
      if (kept !== undefined && kept.generation > primary.generation) {
        problems.push(`kill ${kill}: backup ${kept.generation} newer than ${primary.generation}`);
      }
      await fresh.sweep();
      const left = (await readdir(dir)).filter(
        (name) => name !== "state.bin" && name !== "state.bin.bak",
      );
      if (left.length > 0) problems.push(`kill ${kill}: left after the sweep: ${left.join(", ")}`);
      floor = Math.max(floor, primary.generation);
      nextStart = primary.generation + 1;
    }
  } finally {
    // Also when an assertion or I/O error ends the lane early: no child outlives the test.
    for (const child of [current, next]) {
      child?.child.kill("SIGKILL");
      await child?.exited;
    }
  }
  return { problems, midWrite, afterDone, finalGeneration: floor };
}

describe("real crash test: SIGKILL a writer process at random moments", () => {
  it(`never leaves a torn, empty or mixed file and loses no finished write (${KILLS} kills)`, async () => {
    expect(
      existsSync(DIST),
      "build the package first: npx turbo run build --filter=@snapwrite/sink-fs",
    ).toBe(true);
    const started = performance.now();
    const perLane = Math.ceil(KILLS / LANES);
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, lane) => runLane(perLane, lane % 2 === 0)),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const midWrite = lanes.reduce((sum, lane) => sum + lane.midWrite, 0);
    const afterDone = lanes.reduce((sum, lane) => sum + lane.afterDone, 0);
    console.info(
      `crash test: ${perLane * LANES} kills in ${seconds} s, ${midWrite} left a temp file (killed mid-write), ` +
        `${afterDone} after at least one finished write, final generations ${lanes.map((l) => l.finalGeneration).join(", ")}`,
    );
    expect(lanes.flatMap((lane) => lane.problems)).toEqual([]);
    // The kills must really land inside writes, or the test proves nothing.
    expect(midWrite).toBeGreaterThan(0);
    expect(afterDone).toBeGreaterThan(0);
  }, 150_000);
});
