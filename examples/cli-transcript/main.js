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
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isPersistenceError, PersistenceError, toPersistenceError } from "@snapwrite/core";
import { createExclusiveFileLock, openAppendLog, readAppendLog } from "@snapwrite/journal";
import { updateManifest } from "./manifest.js";

const USAGE = `usage: cli-transcript [--dir <path>] [--max-bytes <n>] [--lock-wait <ms>] <command> <context> [text...]

commands:
  append <context> <text...>   append each text as one line (all texts of a call stay together)
  show <context>               print the lines in seq order, with any damage found; control
                               characters in a text are escaped (\\n, \\t, \\\\, \\u001b, ...)
  rotate <context>             move the active file aside; lines keep their seqs

options:
  --dir <path>       where the state lives (default: $TRANSCRIPTS_DIR if set and not empty,
                     else ./.transcripts)
  --max-bytes <n>    rotate the active file automatically once it reaches n bytes (default 1048576)
  --lock-wait <ms>   how long to wait for a held lock, the transcript's or the manifest's, before
                     giving up with ERR_LOCKED (default 15000)
  -h, --help         this text

exit codes: 0 done; 1 a persistence error (its code is printed), nothing was appended or rotated;
2 bad usage; 3 the lines were appended (stdout names their seqs) or the file rotated, but then
something failed, usually the manifest update: do not append them again`;

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LOCK_WAIT_MS = 15_000;
/** The longest a timer can wait (2^31 − 1 ms). */
const MAX_LOCK_WAIT_MS = 2 ** 31 - 1;
/** Exit code: the command changed the transcript, then something after that failed. */
const EXIT_PARTLY_DONE = 3;

class UsageError extends Error {}

/**
 * A command whose change to the transcript is done (lines appended, a file rotated) when
 * something after it failed (the manifest update, say): retrying it would append the lines twice.
 */
class PartlyDone extends Error {
  /** @param {string} done what was done and what then failed @param {unknown} failure */
  constructor(done, failure) {
    super(done, { cause: failure });
  }
}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        "max-bytes": { type: "string" },
        "lock-wait": { type: "string" },
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
  const lockWaitMs = integerFlag(values, "lock-wait", LOCK_WAIT_MS, 0, MAX_LOCK_WAIT_MS);
  return { command, context, texts, dir: stateDir(values.dir), maxBytes, lockWaitMs };
}

/** The whole number `--<name>` gives, in `min..max`, or `fallback` when it is left out. */
function integerFlag(values, name, fallback, min, max) {
  const given = values[name];
  if (given === undefined) return fallback;
  const n = Number(given);
  if (given.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number in ${min}..${max}, not "${given}"`);
  }
  return n;
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

/** The context's append log, whose lock is waited for as long as the manifest's. */
function openLog({ dir, context, maxBytes, lockWaitMs }) {
  const locker = createExclusiveFileLock({ waitMs: lockWaitMs });
  return openAppendLog({ path: logPath(dir, context), rotate: { maxBytes }, locker });
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

async function append(options) {
  const { dir, context, texts, lockWaitMs } = options;
  const log = await openLog(options);
  const at = new Date().toISOString();
  // Queued together, the texts go out as one batch: one lock, one write, one fdatasync.
  const results = await Promise.allSettled(texts.map((text) => log.append({ at, text })));
  const closed = await log.close();
  reportRepairs(log);
  const seqs = results.filter((r) => r.status === "fulfilled").map((r) => r.value.seq);
  const refused = results.find((r) => r.status === "rejected")?.reason;
  // A failed batch is cut off the log: when no text was acknowledged, none is in the transcript.
  if (seqs.length === 0) throw refused;
  const done = `appended ${seqList(seqs)} to ${context}`;
  console.log(done);
  try {
    await updateManifest(
      dir,
      context,
      (entry) => {
        entry.count += seqs.length;
        entry.lastSeq = Math.max(entry.lastSeq, ...seqs);
      },
      { waitMs: lockWaitMs },
    );
  } catch (error) {
    throw new PartlyDone(`${done}, but the manifest was not updated`, error);
  }
  if (refused !== undefined) {
    const missed = texts.length - seqs.length;
    throw new PartlyDone(`${done}, but ${missed} of ${texts.length} texts were not`, refused);
  }
  if (!closed.ok) throw new PartlyDone(`${done}, but closing the log failed`, closed.error);
}

/** `#1`, `#1..#3` for a run of seqs, else each of them: `#1, #3`. */
function seqList(seqs) {
  const [first, last] = [seqs[0], seqs.at(-1)];
  if (seqs.length === 1) return `#${first}`;
  if (last - first === seqs.length - 1) return `#${first}..#${last}`;
  return seqs.map((seq) => `#${seq}`).join(", ");
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

async function rotate(options) {
  const { dir, context, lockWaitMs } = options;
  await requireContext(dir, context);
  // Opening the log cuts a torn tail first, so it never ends up in the middle of a rotated file;
  // rotate() runs under the log's own lock, so no other invocation appends while the file moves.
  const log = await openLog(options);
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
  const firstSeq = Number.parseInt(rotated.split(".").at(-2) ?? "", 16);
  console.log(`rotated ${context}: lines from #${firstSeq} are in ${rotated}`);
  const count = (e) => {
    e.rotations = (e.rotations ?? 0) + 1;
    e.rotatedAt = new Date().toISOString();
  };
  try {
    await updateManifest(dir, context, count, { waitMs: lockWaitMs });
  } catch (error) {
    throw new PartlyDone(`rotated ${context}, but the manifest was not updated`, error);
  }
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
    if (!(error instanceof PartlyDone)) {
      console.error(`cli-transcript: ${describeFailure(error)}`);
      return 1;
    }
    console.error(`cli-transcript: ${error.message}: ${describeFailure(error.cause)}`);
    return EXIT_PARTLY_DONE;
  }
}

/** `<code>: <message>`, the code once (a converted OS error's message starts with it already). */
function describeFailure(error) {
  const failure = isPersistenceError(error) ? error : toPersistenceError(error);
  const { code, message } = failure;
  return message.startsWith(`${code} `) || message.startsWith(`${code}:`)
    ? message
    : `${code}: ${message}`;
}

process.exitCode = await main(process.argv.slice(2));
