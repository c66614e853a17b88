#!/usr/bin/env node
// Three processes append to one transcript at the same time, twice:
//
//   rewrite: what people usually write — read the transcript (a JSON array), push the line, and
//            replace the file atomically through a file sink with its lock on (temp file, fsync,
//            rename under `.transcript.json.lock`). Every write is atomic and locked, yet the
//            read happens outside the lock, so concurrent writers overwrite each other's lines.
//   log:     openAppendLog with its per-append lock: every acknowledged line is kept.
//
//   node compare.js [--writers 3] [--lines 150]
//
// Prints how many of the acknowledged lines each approach kept.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openAppendLog, readAppendLog } from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";

const SELF = fileURLToPath(import.meta.url);
const DEADLINE_MS = 120_000;

async function rewriteWriter(dir, writer, lines) {
  const sink = createFsSink({ dir, lock: true });
  try {
    for (let i = 0; i < lines; i++) {
      let transcript = [];
      try {
        transcript = JSON.parse(new TextDecoder().decode(await sink.read("transcript.json")));
      } catch (error) {
        if (error?.code !== "ERR_NOT_FOUND") throw error;
      }
      transcript.push({ text: `w${writer}-${i}` });
      await sink.write("transcript.json", [new TextEncoder().encode(JSON.stringify(transcript))]);
    }
  } finally {
    await sink.close();
  }
}

async function logWriter(dir, writer, lines) {
  const log = await openAppendLog({ path: join(dir, "transcript.jsonl") });
  try {
    for (let i = 0; i < lines; i++) await log.append({ text: `w${writer}-${i}` });
  } finally {
    await log.close();
  }
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, ...args], { stdio: "inherit" });
    const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`writer ${args.join(" ")} ended with ${signal ?? `code ${code}`}`));
    });
  });
}

async function race(kind, writers, lines) {
  const dir = await mkdtemp(join(tmpdir(), `cli-transcript-${kind}-`));
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        run(["--writer", String(w), "--kind", kind, "--dir", dir, "--lines", String(lines)]),
      ),
    );
    const ms = Math.round(performance.now() - started);
    let kept = 0;
    if (kind === "rewrite") {
      kept = JSON.parse(await readFile(join(dir, "transcript.json"), "utf8")).length;
    } else {
      for await (const entry of readAppendLog({ path: join(dir, "transcript.jsonl") })) {
        if (!("problem" in entry)) kept += 1;
      }
    }
    console.log(
      `${kind.padEnd(8)} kept ${kept} of ${writers * lines} acknowledged lines (${ms} ms)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    writers: { type: "string", default: "3" },
    lines: { type: "string", default: "150" },
    writer: { type: "string" },
    kind: { type: "string" },
    dir: { type: "string" },
  },
});
const lines = Number(values.lines);
const writers = Number(values.writers);
if (!(Number.isSafeInteger(lines) && lines > 0 && Number.isSafeInteger(writers) && writers > 0)) {
  console.error("usage: node compare.js [--writers <n>] [--lines <n per writer>]");
  process.exit(2);
}
if (values.writer !== undefined) {
  const write = values.kind === "rewrite" ? rewriteWriter : logWriter;
  await write(values.dir, Number(values.writer), lines);
} else {
  await race("rewrite", writers, lines);
  await race("log", writers, lines);
}
