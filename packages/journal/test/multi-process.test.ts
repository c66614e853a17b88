import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { type AppendLogProblem, readAppendLog } from "../src/index.js";

const APPENDER = fileURLToPath(new URL("./fixtures/appender.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const WRITERS = 4;
const APPENDS = 1000;
const MAX_BYTES = 64 * 1024;

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "snapwrite-journal-"));
  made.push(dir);
  return dir;
}

interface Line {
  seq: number;
  w: number;
  i: number;
}

function parseAcks(text: string): Line[] {
  const acks: Line[] = [];
  for (const line of text.split("\n")) {
    const m = /^ack (\d+) (\d+) (\d+)$/.exec(line);
    if (m !== null) acks.push({ seq: Number(m[1]), w: Number(m[2]), i: Number(m[3]) });
  }
  return acks;
}

async function readLog(path: string) {
  const records: { seq: number; value: { w: number; i: number; pad: string } }[] = [];
  const problems: AppendLogProblem[] = [];
  for await (const e of readAppendLog({ path })) {
    if ("problem" in e) problems.push(e);
    else records.push(e as (typeof records)[number]);
  }
  return { records, problems };
}

/** Every record whole (its padding is its writer's digit), seqs 1…n without a gap or a duplicate. */
function expectWholeAndContinuous(
  records: { seq: number; value: { w: number; pad: string } }[],
  n: number,
) {
  expect(records.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
  for (const r of records) expect(r.value.pad).toBe(String(r.value.w).repeat(200));
}

function runChild(
  argv: string[],
  timeoutMs: number,
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APPENDER, ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`appender exited ${code}: ${stderr}`));
      else resolve({ stdout, code });
    });
  });
}

describe("append log across processes and threads (real file system)", () => {
  it(`${WRITERS} child processes × ${APPENDS} appends with the per-append lock and rotation: exactly ${WRITERS * APPENDS} whole records, seqs continuous`, async () => {
    const dir = await tempDir();
    const path = join(dir, "transcript.jsonl");
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) =>
        runChild([DIST, path, String(w), String(APPENDS), "4", String(MAX_BYTES)], 120_000),
      ),
    );
    const acks = runs.flatMap((r) => parseAcks(r.stdout));
    expect(acks).toHaveLength(WRITERS * APPENDS);
    const { records, problems } = await readLog(path);
    expect(problems).toEqual([]);
    expect(records).toHaveLength(WRITERS * APPENDS);
    expectWholeAndContinuous(records, WRITERS * APPENDS);
    // Each acknowledgement names the seq its record really got.
    const bySeq = new Map(records.map((r) => [r.seq, r.value]));
    for (const a of acks) expect(bySeq.get(a.seq)).toMatchObject({ w: a.w, i: a.i });
    const rotated = (await readdir(dir)).filter((f) => /^transcript\.[0-9a-f]{16}\.jsonl$/.test(f));
    expect(rotated.length).toBeGreaterThan(3);
  });

  it(`${WRITERS} worker threads of one process do the same`, async () => {
    const dir = await tempDir();
    const path = join(dir, "transcript.jsonl");
    const outputs = await Promise.all(
      Array.from(
        { length: WRITERS },
        (_, w) =>
          new Promise<string>((resolve, reject) => {
            let text = "";
            const worker = new Worker(APPENDER, {
              workerData: {
                dist: DIST,
                path,
                writer: w,
                count: APPENDS,
                concurrency: 4,
                maxBytes: MAX_BYTES,
              },
            });
            const timer = setTimeout(() => void worker.terminate(), 120_000);
            worker.on("message", (m: string) => {
              text += m;
            });
            worker.on("error", reject);
            worker.on("exit", (code) => {
              clearTimeout(timer);
              if (code === 0) resolve(text);
              else reject(new Error(`worker exited ${code}`));
            });
          }),
      ),
    );
    expect(outputs.flatMap(parseAcks)).toHaveLength(WRITERS * APPENDS);
    const { records, problems } = await readLog(path);
    expect(problems).toEqual([]);
    expectWholeAndContinuous(records, WRITERS * APPENDS);
  });
});
