#!/usr/bin/env node
// A chat-transcript CLI that many invocations may run at the same time:
//
//   node main.js append <context> <text...>   append one line per text (one locked batch)
//   node main.js show <context>                print the lines in seq order
//   node main.js rotate <context>              start a new active file; old lines keep their seqs
//
// State lives under --dir (or TRANSCRIPTS_DIR when set and not empty, default ./.transcripts):
//   manifest.json                        contexts, line counts, last seq, times (atomic rewrite
//                                        under a lock file, read-modify-write inside the lock)
//   <context>/transcript.jsonl           the active append log of a context
//   <context>/transcript.<seq hex>.jsonl rotated files, named by their first seq
//   <context>/transcript.jsonl.torn-*    torn tails cut off before an append (a killed writer)
import * as nodeFs from "node:fs/promises";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isPersistenceError, PersistenceError, toPersistenceError } from "@snapwrite/core";
import { openAppendLog, readAppendLog } from "@snapwrite/journal";
import { lockFile, readRegularFile, writeJsonAtomic } from "@snapwrite/sink-fs";

const USAGE = `usage: cli-transcript [--dir <path>] [--max-bytes <n>] <command> <context> [text...]

commands:
  append <context> <text...>   append each text as one line (all texts of a call stay together)
  show <context>               print the lines in seq order, with any damage found; control
                               characters in a text are escaped (\\n, \\t, \\\\, \\u001b, ...)
  rotate <context>             move the active file aside; lines keep their seqs

options:
  --dir <path>       where the state lives (default: $TRANSCRIPTS_DIR if set and not empty,
                     else ./.transcripts)
  --max-bytes <n>    rotate the active file automatically once it reaches n bytes (default 1048576)
  -h, --help         this text

exit codes: 0 done, 1 a persistence error (its code is printed), 2 bad usage`;

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LOCK_WAIT_MS = 15_000;

class UsageError extends Error {}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        "max-bytes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  const [command, context, ...texts] = positionals;
  if (command === undefined) throw new UsageError("missing command");
  if (!["append", "show", "rotate"].includes(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  if (context === undefined) throw new UsageError(`${command}: missing <context>`);
  if (!CONTEXT_NAME.test(context)) {
    throw new UsageError(
      `bad context name "${context}": use 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
    );
  }
  if (command === "append" && texts.length === 0) throw new UsageError("append: missing <text>");
  if (command !== "append" && texts.length > 0) {
    throw new UsageError(`${command}: unexpected argument "${texts[0]}"`);
  }
  let maxBytes = 1024 * 1024;
  if (values["max-bytes"] !== undefined) {
    maxBytes = Number(values["max-bytes"]);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new UsageError(`--max-bytes must be a positive integer, not "${values["max-bytes"]}"`);
    }
  }
  return { command, context, texts, dir: stateDir(values.dir), maxBytes };
}

/**
 * `--dir`, else `$TRANSCRIPTS_DIR`, else `./.transcripts`. An empty `TRANSCRIPTS_DIR` (`export
 * TRANSCRIPTS_DIR=` in a script) counts as unset: it never means the current directory. An empty
 * `--dir ""` is a usage error.
 */
function stateDir(flag) {
  if (flag !== undefined) {
    if (flag === "") throw new UsageError("--dir must not be empty");
    return resolve(flag);
  }
  const fromEnv = process.env.TRANSCRIPTS_DIR;
  return resolve(fromEnv === undefined || fromEnv === "" ? ".transcripts" : fromEnv);
}

function logPath(dir, context) {
  return join(dir, context, "transcript.jsonl");
}

// ---- manifest ---------------------------------------------------------------------------------

/**
 * Reads the manifest without ever waiting on it: a FIFO, device or directory in its place is
 * refused (`ERR_INVALID_TARGET`) instead of hanging the command.
 */
async function readManifest(path) {
  let text;
  try {
    const bytes = await readRegularFile(nodeFs, path, { target: path });
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  } catch (error) {
    if (error?.code === "ENOENT") return { version: 1, updatedAt: null, contexts: {} };
    throw toPersistenceError(error, { target: path, direction: "read" });
  }
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch (cause) {
    throw new PersistenceError("ERR_CORRUPT", `the manifest ${path} is not valid JSON`, {
      target: path,
      cause,
    });
  }
  if (manifest?.version !== 1 || typeof manifest.contexts !== "object" || !manifest.contexts) {
    throw new PersistenceError("ERR_CORRUPT", `the manifest ${path} is not a transcript manifest`, {
      target: path,
    });
  }
  return manifest;
}

/**
 * Read-modify-write of the manifest inside its lock, so concurrent invocations never lose each
 * other's updates; the new version replaces the old one atomically (temp file, fsync, rename).
 * On Node 24+ (or in TypeScript) the try/finally is `await using lock = await lockFile(…)`.
 */
async function updateManifest(dir, context, change) {
  const path = join(dir, "manifest.json");
  const lock = await lockFile(path, { waitMs: LOCK_WAIT_MS });
  try {
    const manifest = await readManifest(path);
    const now = new Date().toISOString();
    const entry = manifest.contexts[context] ?? {
      count: 0,
      lastSeq: 0,
      rotations: 0,
      createdAt: now,
    };
    change(entry);
    entry.updatedAt = now;
    manifest.contexts[context] = entry;
    manifest.updatedAt = now;
    // A lock broken under a frozen process must not be written through.
    lock.lost.throwIfAborted();
    await writeJsonAtomic(path, manifest, { space: 2 });
    return entry;
  } finally {
    await lock.release();
  }
}

async function requireContext(dir, context) {
  try {
    await stat(join(dir, context));
  } catch (error) {
    if (error?.code === "ENOENT") {
      throw new PersistenceError("ERR_NOT_FOUND", `no transcript for context "${context}"`, {
        target: join(dir, context),
      });
    }
    throw toPersistenceError(error, { target: join(dir, context), direction: "read" });
  }
}

const ESCAPES = new Map([
  ["\\", "\\\\"],
  ["\n", "\\n"],
  ["\r", "\\r"],
  ["\t", "\\t"],
]);

/**
 * One line of `show` per record, whatever the text holds: a backslash becomes `\\`, a newline
 * `\n`, a carriage return `\r`, a tab `\t`, and every other control character (U+0000–U+001F,
 * U+007F–U+009F) or line/paragraph separator (U+2028, U+2029) `\uXXXX`, as in a JSON string.
 * Everything else, other Unicode text included, is printed as it is.
 */
function printable(value) {
  const text = String(value);
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const escaped = ESCAPES.get(char);
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += char;
  }
  return out;
}

function reportRepairs(log) {
  for (const repair of log.repairs) {
    console.error(
      `repaired: cut ${repair.bytes} torn bytes at byte ${repair.offset} of ${repair.file}; they are kept in ${repair.quarantinedTo}`,
    );
  }
}

// ---- commands ---------------------------------------------------------------------------------

async function append({ dir, context, texts, maxBytes }) {
  const log = await openAppendLog({ path: logPath(dir, context), rotate: { maxBytes } });
  const at = new Date().toISOString();
  // Queued together, the texts go out as one batch: one lock, one write, one fdatasync.
  const results = await Promise.allSettled(texts.map((text) => log.append({ at, text })));
  const closed = await log.close();
  reportRepairs(log);
  const seqs = [];
  let failure;
  for (const result of results) {
    if (result.status === "fulfilled") seqs.push(result.value.seq);
    else failure ??= result.reason;
  }
  if (seqs.length > 0) {
    const range = seqs.length === 1 ? `#${seqs[0]}` : `#${seqs[0]}..#${seqs.at(-1)}`;
    console.log(`appended ${range} to ${context}`);
    await updateManifest(dir, context, (entry) => {
      entry.count += seqs.length;
      entry.lastSeq = Math.max(entry.lastSeq, ...seqs);
    });
  }
  if (failure !== undefined) throw failure;
  if (!closed.ok) throw closed.error;
}

async function show({ dir, context }) {
  await requireContext(dir, context);
  let lines = 0;
  let previous;
  for await (const entry of readAppendLog({ path: logPath(dir, context) })) {
    if ("problem" in entry) {
      const what =
        entry.problem === "torn"
          ? "an unfinished line at the end (a writer killed mid-append, or one still writing); the next append moves it aside"
          : "a damaged stretch, skipped";
      console.error(
        `warning: ${entry.file} at byte ${entry.offset} (${entry.bytes} bytes): ${what}`,
      );
      continue;
    }
    if (previous !== undefined && entry.seq !== previous + 1) {
      console.error(`warning: seqs ${previous + 1}..${entry.seq - 1} are missing`);
    }
    previous = entry.seq;
    const value = entry.value ?? {};
    console.log(
      `${String(entry.seq).padStart(6)}  ${printable(value.at ?? "-")}  ${printable(value.text ?? "")}`,
    );
    lines += 1;
  }
  console.error(`${lines} lines in ${context}`);
}

async function rotate({ dir, context, maxBytes }) {
  await requireContext(dir, context);
  // Opening the log cuts a torn tail first, so it never ends up in the middle of a rotated file;
  // rotate() runs under the log's own lock, so no other invocation appends while the file moves.
  const log = await openAppendLog({ path: logPath(dir, context), rotate: { maxBytes } });
  let rotated;
  try {
    rotated = await log.rotate();
  } finally {
    await log.close();
    reportRepairs(log);
  }
  if (rotated === undefined) {
    console.log(`nothing to rotate: the active file of ${context} has no lines yet`);
    return;
  }
  await updateManifest(dir, context, (e) => {
    e.rotations = (e.rotations ?? 0) + 1;
    e.rotatedAt = new Date().toISOString();
  });
  const firstSeq = Number.parseInt(rotated.split(".").at(-2) ?? "", 16);
  console.log(`rotated ${context}: lines from #${firstSeq} are in ${rotated}`);
}

// ---- main -------------------------------------------------------------------------------------

async function main(argv) {
  let options;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cli-transcript: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.command === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    if (options.command === "append") await append(options);
    else if (options.command === "show") await show(options);
    else await rotate(options);
    return 0;
  } catch (error) {
    const failure = isPersistenceError(error) ? error : toPersistenceError(error);
    console.error(`cli-transcript: ${failure.code}: ${failure.message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
