import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { verifyPayload } from "./fixtures/payload.mjs";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const WRITER = fileURLToPath(new URL("./fixtures/locked-writer.mjs", import.meta.url));
const HOLDER = fileURLToPath(new URL("./fixtures/lock-holder.mjs", import.meta.url));
const LOOPER = fileURLToPath(new URL("./fixtures/locked-loop-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const PROCESSES = 4;
const WRITES = 12;

interface Summary {
  writer: number;
  ok: number[];
  failures: { generation: number; code: string; stage: string }[];
  lockWaits: number;
  lockWaitMs: number;
  locksBroken: number;
}

/** Runs the writers against `dir` and reads the target while they write. */
async function race(dir: string, waitMs: number) {
  const children = Array.from({ length: PROCESSES }, (_, writer) =>
    execa(
      process.execPath,
      [
        WRITER,
        dir,
        String(writer),
        String(WRITES),
        String(256 << 10),
        String(1 << 20),
        String(waitMs),
      ],
      { stdin: "pipe", timeout: 60_000 },
    ),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.stdout?.once("data", () => resolve());
          child.catch(reject);
        }),
    ),
  );
  for (const child of children) child.stdin?.end("go\n");
  const reader = createFsSink({ dir });
  const seen: string[] = [];
  let reads = 0;
  let running = true;
  const all = Promise.all(children).finally(() => {
    running = false;
  });
  while (running) {
    try {
      const { writer, generation } = verifyPayload(await reader.read("shared.bin"));
      seen.push(`${writer}:${generation}`);
      reads += 1;
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_NOT_FOUND") throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  const summaries = (await all).map(
    (result) => JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as Summary,
  );
  return { summaries, reads, seen, reader };
}

describe("several processes writing one target with the lock", () => {
  it("always leaves one complete payload and reports the contention", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const { summaries, reads, reader } = await race(dir, 20_000);
    const final = verifyPayload(await reader.read("shared.bin"));
    const owner = summaries.find((s) => s.writer === final.writer);
    // The last rename overall is its writer's last successful write.
    expect(final.generation).toBe(owner?.ok.at(-1));
    for (const summary of summaries) {
      expect(summary.ok.length + summary.failures.length).toBe(WRITES);
      for (const failure of summary.failures) expect(failure).toMatchObject({ code: "ERR_LOCKED" });
    }
    const waits = summaries.reduce((sum, s) => sum + s.lockWaits, 0);
    const waitedMs = summaries.reduce((sum, s) => sum + s.lockWaitMs, 0);
    const refused = summaries.reduce((sum, s) => sum + s.failures.length, 0);
    console.info(
      `multi-process: ${PROCESSES}×${WRITES} writes, ${waits} lock waits (${waitedMs} ms), ` +
        `${refused} ERR_LOCKED, ${reads} concurrent reads all complete`,
    );
    expect(waits + refused).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(["shared.bin"]);
  }, 90_000);

  it("refuses with ERR_LOCKED, reported per write, when the wait is too short", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const { summaries, reader } = await race(dir, 0);
    const final = verifyPayload(await reader.read("shared.bin"));
    expect(summaries.find((s) => s.writer === final.writer)?.ok.at(-1)).toBe(final.generation);
    const refused = summaries.flatMap((s) => s.failures);
    expect(refused.length).toBeGreaterThan(0);
    for (const failure of refused)
      expect(failure).toMatchObject({ code: "ERR_LOCKED", stage: "lock" });
    expect(summaries.reduce((sum, s) => sum + s.ok.length, 0)).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(["shared.bin"]);
  }, 90_000);

  it("takes over at once from a lock holder that was killed mid-write", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    await createFsSink({ dir }).write("shared.bin", [new TextEncoder().encode("before")]);
    const holder = execa(process.execPath, [HOLDER, dir, "shared.bin"], {
      reject: false,
      timeout: 30_000,
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on("data", (data: Buffer) => {
        if (data.toString().includes("holding")) resolve();
      });
      holder.then((r) => reject(new Error(`holder exited: ${r.stderr}`)));
    });
    const names = await readdir(dir);
    expect(names).toContain(".shared.bin.lock");
    expect(names.some((name) => name.endsWith(".tmp"))).toBe(true);
    holder.kill("SIGKILL");
    await holder;

    // A live owner would block this write for the whole wait; a dead one is broken at once.
    const sink = createFsSink({ dir, lock: { waitMs: 10_000 }, sweep: false });
    const result = await sink.write("shared.bin", [new TextEncoder().encode("after")]);
    expect(result).toMatchObject({ locksBroken: 1, lockWaits: 0 });
    expect(new TextDecoder().decode(await sink.read("shared.bin"))).toBe("after");
    const report = await sink.sweep();
    expect(report.removedTemps).toHaveLength(1);
    expect(await readdir(dir)).toEqual(["shared.bin"]);
  }, 60_000);

  it("never leaves a lock that blocks the next writer when a locking writer is killed", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const problems: string[] = [];
    for (let kill = 0; kill < 6; kill += 1) {
      const child = execa(process.execPath, [LOOPER, dir, "s.bin"], {
        reject: false,
        timeout: 30_000,
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on("data", (data: Buffer) => {
          if (data.toString().includes("started")) resolve();
        });
        child.then((r) => reject(new Error(`writer exited: ${r.stderr}`)));
      });
      // Somewhere inside its stream of lock-take / write / release cycles.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      child.kill("SIGKILL");
      await child;
      const names = await readdir(dir);
      if (names.includes(".s.bin.lock")) {
        const record = await readFile(join(dir, ".s.bin.lock"), "utf8");
        if (!record.startsWith("{")) problems.push(`kill ${kill}: lock without owner ${record}`);
      }
      // A dead owner is broken at once, so no wait is needed at all.
      const sink = createFsSink({ dir, lock: { waitMs: 0 } });
      const outcome = await sink.write("s.bin", [new Uint8Array(1)]).catch((e: unknown) => e);
      if (outcome instanceof Error) problems.push(`kill ${kill}: ${outcome.message}`);
      const left = (await readdir(dir)).filter((name) => name !== "s.bin");
      if (left.length > 0) problems.push(`kill ${kill}: left after the sweep: ${left.join(", ")}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
