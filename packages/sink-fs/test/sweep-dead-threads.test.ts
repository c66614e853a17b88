import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { processIdentity } from "../src/process-identity.js";
import { createTempDirs, tempFilesIn, text } from "./helpers.js";

const dirs = createTempDirs();
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
  await dirs.cleanup();
});

const DYING = fileURLToPath(new URL("./fixtures/thread-dying-writer.mjs", import.meta.url));
const HOLDING = fileURLToPath(new URL("./fixtures/thread-locked-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const DEADLINE_MS = 20_000;

/** A temp file name as the thread `threadId` of process `pid` makes it (this boot). */
function tempName(name: string, pid: number, threadId: number, pidNs?: string): string {
  const self = processIdentity();
  const creator = `${self.boot}-${pidNs ?? self.pidNs}-${self.start}-${threadId.toString(36)}`;
  return `.${name}.${pid}-${creator}-r${threadId.toString(36)}.tmp`;
}

/** Resolves with the first message of `worker` of type `type`; rejects at the deadline. */
function messageOf(worker: Worker, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${type}" in ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
    worker.on("message", (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      resolve();
    });
    worker.on("error", reject);
  });
}

/** Resolves once `worker` has exited; rejects at the deadline. */
function exitOf(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit in ${DEADLINE_MS} ms`)), DEADLINE_MS);
    worker.once("exit", (code: number) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("sweep({ deadThreads })", () => {
  it("removes temp files of the named threads of this process, and nothing of anyone else", async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, "sub"));
    const self = processIdentity();
    const dead = self.threadId + 1_001;
    const other = self.threadId + 1_002;
    const deadTemp = join(dir, "sub", tempName("a", process.pid, dead));
    const kept = [
      tempName("a", process.pid, other),
      // Another live process, and a process in another pid namespace with our pid: same thread id.
      tempName("b", process.ppid, dead),
      tempName("c", process.pid, dead, "otherns"),
    ];
    await writeFile(deadTemp, "partial state of a dead thread");
    for (const name of kept) await writeFile(join(dir, name), "not ours to judge");
    const sink = createFsSink({ dir, sweep: false });

    expect(await sink.sweep()).toEqual({ removedTemps: [], removedLocks: [] });
    expect(await sink.sweep({ deadThreads: [] })).toEqual({ removedTemps: [], removedLocks: [] });
    expect(await tempFilesIn(join(dir, "sub"))).toHaveLength(1);

    expect(await sink.sweep({ deadThreads: [dead, dead + 7] })).toEqual({
      removedTemps: [deadTemp],
      removedLocks: [],
    });
    expect(await readdir(join(dir, "sub"))).toEqual([]);
    expect((await tempFilesIn(dir)).sort()).toEqual([...kept].sort());
  });

  it("is a targeted clean-up: an orphan of a dead process and another host's file stay for sweep()", async () => {
    const dir = await dirs.make();
    const self = processIdentity();
    const dead = self.threadId + 2_001;
    const deadTemp = join(dir, tempName("a", process.pid, dead));
    // A pid this boot surely does not run (above pid_max), and a temp of an earlier boot.
    const deadProcess = join(dir, tempName("b", 2 ** 22 + 7, 0));
    const otherHost = join(dir, `.c.${process.pid}-0000000-host-s1-0-x1.tmp`);
    for (const path of [deadTemp, deadProcess, otherHost]) await writeFile(path, "partial");
    const sink = createFsSink({ dir, sweep: false });
    expect(await sink.sweep({ deadThreads: [dead] })).toEqual({
      removedTemps: [deadTemp],
      removedLocks: [],
    });
    expect((await tempFilesIn(dir)).sort()).toEqual(
      [deadProcess, otherHost].map((path) => path.slice(dir.length + 1)).sort(),
    );
    const full = await sink.sweep();
    expect([...full.removedTemps].sort()).toEqual([deadProcess, otherHost].sort());
  });

  it("removes a really dead worker thread's temp file, never a live thread's", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const dying = new Worker(DYING, { workerData: { dir, target: "a" } });
    workers.push(dying);
    const dyingId = dying.threadId;
    await messageOf(dying, "holding");
    const exited = exitOf(dying);
    dying.postMessage("die");
    expect(await exited).toBe(3);
    const [deadTemp] = await tempFilesIn(dir);
    expect(deadTemp).toContain(`-${dyingId.toString(36)}-`);

    const living = new Worker(HOLDING, {
      workerData: { dir, target: "b", mode: "hold", waitMs: 0 },
    });
    workers.push(living);
    const finished = messageOf(living, "result");
    await messageOf(living, "holding");
    const liveTemps = (await tempFilesIn(dir)).filter((name) => name !== deadTemp);
    expect(liveTemps).toHaveLength(1);

    const sink = createFsSink({ dir });
    expect((await sink.sweep()).removedTemps).toEqual([]);
    expect(await sink.sweep({ deadThreads: [dyingId] })).toEqual({
      removedTemps: [join(dir, deadTemp as string)],
      removedLocks: [],
    });
    expect(await tempFilesIn(dir)).toEqual(liveTemps);

    living.postMessage("finish");
    await finished;
    expect(text(await sink.read("b"))).toBe("from the holding thread (finished)");
    expect(await tempFilesIn(dir)).toEqual([]);
    await expect(sink.read("a")).rejects.toMatchObject({ code: "ERR_NOT_FOUND" });
  });

  it("refuses bad options with a TypeError and deletes nothing", async () => {
    const dir = await dirs.make();
    const dead = processIdentity().threadId + 1_001;
    const name = tempName("a", process.pid, dead);
    await writeFile(join(dir, name), "partial");
    const sink = createFsSink({ dir, sweep: false });
    const bad: unknown[] = [
      null,
      "all",
      { deadThreads: dead },
      { deadThreads: [-1] },
      { deadThreads: [1.5] },
      { deadThreads: [String(dead)] },
      { deadThreads: [Number.NaN] },
      { deadThread: [dead] },
    ];
    for (const options of bad) {
      await expect(
        sink.sweep(options as Parameters<typeof sink.sweep>[0]),
        JSON.stringify(options),
      ).rejects.toThrow(TypeError);
    }
    await expect(sink.sweep({ deadThread: [dead] } as never)).rejects.toThrow(
      'sweep: unknown option "deadThread"; known: deadThreads',
    );
    expect(await tempFilesIn(dir)).toEqual([name]);
  });
});
