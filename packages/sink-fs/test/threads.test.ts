import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, tempFilesIn, text } from "./helpers.js";

const dirs = createTempDirs();
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
  await dirs.cleanup();
});

const WRITER = fileURLToPath(new URL("./fixtures/thread-locked-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

interface Outcome {
  type: "result" | "failure";
  code?: string;
  locksBroken?: number;
}

/** Starts a worker thread running a locked write through the built package. */
function startWriter(dir: string, mode: "hold" | "write", waitMs = 5_000) {
  const worker = new Worker(WRITER, { workerData: { dir, target: "a", mode, waitMs } });
  workers.push(worker);
  let holding!: () => void;
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const outcome = new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("worker did not finish in 20 s")), 20_000);
    worker.on("message", (message: { type: string }) => {
      if (message.type === "holding") holding();
      else {
        clearTimeout(timer);
        resolve(message as Outcome);
      }
    });
    worker.on("error", reject);
  });
  return { worker, held, outcome };
}

describe("worker threads of one process", () => {
  it("never break each other's live lock", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const holder = startWriter(dir, "hold");
    await holder.held;
    const record = await readFile(join(dir, ".a.lock"), "utf8");
    const contender = await startWriter(dir, "write", 300).outcome;
    expect(contender).toMatchObject({ type: "failure", code: "ERR_LOCKED" });
    expect(await readFile(join(dir, ".a.lock"), "utf8")).toBe(record);
    holder.worker.postMessage("finish");
    expect(await holder.outcome).toEqual({ type: "result", locksBroken: 0 });
    expect(text(await createFsSink({ dir }).read("a"))).toBe("from the holding thread (finished)");
  });

  it("never sweep another thread's temp file while it writes", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const holder = startWriter(dir, "hold");
    await holder.held;
    const temps = await tempFilesIn(dir);
    expect(temps).toHaveLength(1);
    // This thread's sweep, and a sink whose first operation in the directory sweeps it.
    expect(await createFsSink({ dir }).sweep()).toEqual({ removedTemps: [], removedLocks: [] });
    await expect(createFsSink({ dir }).read("a")).rejects.toMatchObject({ code: "ERR_NOT_FOUND" });
    expect(await tempFilesIn(dir)).toEqual(temps);
    holder.worker.postMessage("finish");
    expect(await holder.outcome).toEqual({ type: "result", locksBroken: 0 });
    expect(await readdir(dir)).toEqual(["a"]);
  });
});
