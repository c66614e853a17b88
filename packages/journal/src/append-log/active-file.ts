import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { quarantineFileName } from "../file-names.js";
import { isExists, isNotFound, readInto, syncDir, writeNewFile } from "../journal-fs.js";
import { recordTooLarge } from "./log-errors.js";
import { logFailure, lstatLogFile, openActiveFile } from "./log-file-access.js";
import type { LogHeader } from "./log-format.js";
import { writerHeader } from "./log-header.js";
import type { Active, LogState } from "./log-state.js";
import { finishInterruptedRotation } from "./rotate-move.js";
import { seqAfterRotated } from "./rotated-files.js";

const MAX_QUARANTINE_BYTES = 1024 * 1024;
const TAIL_WINDOW = 64 * 1024;
/** Attempts at finding a stable active file before giving up with `ERR_STALE`. */
const MAX_ROUNDS = 16;

/** Reads `length` bytes at `position` (fewer at end of file). */
function readAt(handle: FsFileHandle, position: number, length: number): Promise<Uint8Array> {
  return readInto(handle, new Uint8Array(length), position);
}

function openContext(log: LogState) {
  return { target: log.files.active, stage: "open" } as const;
}

/** The active file was replaced or removed under the log on every one of {@link MAX_ROUNDS} attempts. */
function keptChanging(log: LogState): PersistenceError {
  return new PersistenceError(
    "ERR_STALE",
    `the active file ${JSON.stringify(log.files.active)} kept changing while it was opened (${MAX_ROUNDS} attempts)`,
    {
      stage: "open",
      target: log.files.active,
      details: { reason: "changing", attempts: MAX_ROUNDS },
    },
  );
}

/**
 * Makes sure the active file exists, is the one `path` names, and ends cleanly; returns its facts.
 * A symlink, FIFO, socket, device or directory at `path` is refused (`ERR_INVALID_TARGET`).
 */
export async function prepareActive(log: LogState, round = 0): Promise<Active> {
  if (round >= MAX_ROUNDS) throw keptChanging(log);
  const found = await lstatLogFile(log.fs, log.activePath, openContext(log));
  if (found === undefined) return createActive(log, await seqAfterRotated(log), round + 1);
  const ino = found.ino;
  if (log.handle === undefined || log.active?.ino !== ino) {
    await log.release();
    try {
      log.handle = (await openActiveFile(log.fs, log.activePath, openContext(log))).handle;
    } catch (error) {
      if (isNotFound(error)) return prepareActive(log, round + 1);
      throw logFailure(error, openContext(log));
    }
    log.active = undefined;
  }
  const handle = log.handle as FsFileHandle;
  const stats = await handle.stat();
  if (stats.ino !== ino) {
    await log.release();
    return prepareActive(log, round + 1);
  }
  if (log.active !== undefined && log.active.size === stats.size) return log.active;
  const active = await scanActive(log, ino, stats.size, round);
  if (active.ino !== ino || !(await finishInterruptedRotation(log, ino, active.header.firstSeq))) {
    return active;
  }
  return prepareActive(log, round + 1);
}

/**
 * Reads the active file's header and tail; cuts a torn or unparsable last stretch. A jsonl log
 * is read from a window at its end (grown until it holds a whole record), so a writer that
 * finds another process appended meanwhile does not re-read the whole file.
 */
async function scanActive(
  log: LogState,
  ino: number,
  size: number,
  round: number,
): Promise<Active> {
  const handle = log.handle as FsFileHandle;
  let header: LogHeader | undefined;
  try {
    header = log.format.parseHeader(await readAt(handle, 0, Math.min(size, TAIL_WINDOW)));
  } catch {
    const whole = await readAt(handle, 0, size);
    header = writerHeader(log.format, whole, log.files.active);
    if (header === undefined) {
      // Nothing but an unfinished header: the file was being created when its writer died. Move
      // it aside (an empty one is just removed), once the rotated files said where seqs go on.
      const firstSeq = await seqAfterRotated(log);
      await quarantineWhole(log, whole);
      return createActive(log, firstSeq, round + 1);
    }
  }
  let window = log.format.name === "jsonl" ? TAIL_WINDOW : Number.POSITIVE_INFINITY;
  for (;;) {
    const start = Math.max(header.bytes, size - window);
    const bytes = await readAt(handle, start, size - start);
    let from = 0;
    if (start > header.bytes) {
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) {
        window *= 4;
        continue;
      }
      from = nl + 1;
    }
    let lastSeq: number | undefined;
    let goodEnd = start + from;
    let badFrom: number | undefined;
    for (const entry of log.format.entries(bytes, from, header, log.maxRecordBytes)) {
      if (entry.kind === "oversized") {
        throw recordTooLarge(log.files.active, entry, log.maxRecordBytes);
      }
      if (entry.kind === "record") {
        // The highest seq: a record a writer that lost its lock appended out of order is no
        // reason to hand out its seq again.
        lastSeq = Math.max(entry.seq, lastSeq ?? entry.seq);
        goodEnd = start + entry.end;
        badFrom = undefined;
      } else {
        badFrom ??= start + entry.offset;
      }
    }
    if (lastSeq === undefined && start > header.bytes) {
      window *= 4;
      continue;
    }
    if (badFrom !== undefined && badFrom >= goodEnd) {
      await rewritePrefix(log, goodEnd, "torn");
      return prepareActive(log, round + 1);
    }
    const active: Active = { ino, size, nextSeq: (lastSeq ?? header.firstSeq - 1) + 1, header };
    log.active = active;
    return active;
  }
}

async function quarantineWhole(log: LogState, bytes: Uint8Array): Promise<void> {
  await log.release();
  if (bytes.byteLength === 0) {
    // Nothing was written to it: nothing to keep, nothing to report.
    await log.fs.unlink(log.activePath);
    await syncDir(log.fs, log.files.dir);
    return;
  }
  const aside = quarantineFileName(log.files.active, "torn", log.clock.now(), log.tag());
  await log.fs.rename(log.activePath, log.files.path(aside));
  await syncDir(log.fs, log.files.dir);
  log.repairs.push({
    file: log.files.active,
    offset: 0,
    bytes: bytes.byteLength,
    quarantinedTo: aside,
  });
}

/** Reads the whole active file through a fresh descriptor (never the one a write failed on). */
async function readActive(log: LogState): Promise<Uint8Array> {
  const { handle, stats } = await openActiveFile(log.fs, log.activePath, openContext(log));
  try {
    return await readAt(handle, 0, stats.size);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function removeQuietly(log: LogState, path: string): Promise<void> {
  return log.fs.unlink(path).catch(() => undefined);
}

/**
 * Replaces the active file by its first `keep` bytes: the cut bytes are copied to
 * `<file>.<kind>-<time>-<tag>`, the prefix goes to a fresh synced file renamed over the active one.
 * When any step fails, the files it created are removed (the active file is left as it was).
 */
export async function rewritePrefix(
  log: LogState,
  keep: number,
  kind: "torn" | "failed",
): Promise<void> {
  const bytes = await readActive(log);
  await log.release();
  const created: string[] = [];
  try {
    let aside: string | undefined;
    if (bytes.byteLength > keep) {
      aside = quarantineFileName(log.files.active, kind, log.clock.now(), log.tag());
      const cut = bytes.subarray(keep, Math.min(bytes.byteLength, keep + MAX_QUARANTINE_BYTES));
      await writeNewFile(log.fs, log.files.dir, log.files.path(aside), cut);
      created.push(log.files.path(aside));
    }
    const temp = log.files.path(log.files.repairTemp(process.pid, log.tag()));
    await writeNewFile(log.fs, log.files.dir, temp, bytes.subarray(0, keep));
    created.push(temp);
    await log.fs.rename(temp, log.activePath);
    // The cut is made: the copy of the cut bytes stays, whatever happens next.
    created.length = 0;
    if (aside !== undefined) {
      log.repairs.push({
        file: log.files.active,
        offset: keep,
        bytes: bytes.byteLength - keep,
        quarantinedTo: aside,
      });
    }
    await syncDir(log.fs, log.files.dir);
  } catch (error) {
    for (const path of created) await removeQuietly(log, path);
    throw error;
  }
}

/** Creates the active file with a synced header for `firstSeq` (or prepares the one another writer just made). */
export async function createActive(log: LogState, firstSeq: number, round = 0): Promise<Active> {
  await log.release();
  // Made before the file is opened: a throwing clock or random leaves no descriptor behind.
  const salt = Math.floor(log.random() * 2 ** 32) >>> 0;
  const headerBytes = log.format.header(firstSeq, Math.floor(log.clock.now()), salt);
  let handle: FsFileHandle;
  try {
    // Append mode, as every open of the active file (see `openActiveFile`).
    handle = await log.fs.open(log.activePath, "ax+", 0o644);
  } catch (error) {
    if (isExists(error)) return prepareActive(log, round);
    throw logFailure(error, { stage: "open", target: log.files.active });
  }
  let stats: Awaited<ReturnType<FsFileHandle["stat"]>>;
  try {
    await handle.writev([headerBytes], 0);
    await handle.datasync();
    await syncDir(log.fs, log.files.dir);
    stats = await handle.stat();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw logFailure(error, { stage: "write", target: log.files.active });
  }
  log.handle = handle;
  const header = log.format.parseHeader(headerBytes);
  log.active = { ino: stats.ino, size: headerBytes.byteLength, nextSeq: firstSeq, header };
  return log.active;
}
