import { PersistenceError } from "@snapwrite/core";
import { codeOf, isExists, isNotFound, syncDir } from "../journal-fs.js";
import { logFailure, lstatLogFile } from "./log-file-access.js";
import type { LogState } from "./log-state.js";

/** Codes of a file system that cannot make hard links. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/** `ERR_STALE`: the file this writer rotates is no longer the active one, or its name is taken. */
function rotationRefused(
  log: LogState,
  rotated: string,
  reason: "moved" | "taken",
): PersistenceError {
  const why =
    reason === "moved"
      ? `${JSON.stringify(log.files.active)} is no longer the file this writer holds (another process rotated or replaced it)`
      : `${JSON.stringify(rotated)} already exists and is another file`;
  return new PersistenceError("ERR_STALE", `rotation refused: ${why}`, {
    stage: "rename",
    target: rotated,
    details: { reason, file: rotated },
  });
}

/**
 * Gives the active file (inode `ino`, the one this writer holds open) its rotated name without ever
 * replacing a file or moving another process's: `link` (which fails when the name is taken) under
 * the rotated name, a check that the new name leads to `ino` (else it is taken back), then the
 * active name is removed only while it still leads to `ino`. A rotated name that already leads to
 * `ino` is a rotation interrupted between the two steps, finished now. On a file system without
 * hard links, a `rename` after the same checks. Rejects with `ERR_STALE` (`details.reason`
 * `"moved"` or `"taken"`) without touching another process's file (at most this writer's file keeps
 * its rotated name as well).
 */
export async function moveToRotated(log: LogState, ino: number, rotated: string): Promise<void> {
  const to = log.files.path(rotated);
  const context = { target: rotated, stage: "rename" } as const;
  let linked = false;
  try {
    await log.fs.link(log.activePath, to);
    linked = true;
  } catch (error) {
    if (isNotFound(error)) throw rotationRefused(log, rotated, "moved");
    if (NO_HARD_LINKS.has(codeOf(error) ?? "")) return renameChecked(log, ino, rotated);
    if (!isExists(error)) throw logFailure(error, context);
  }
  if ((await lstatLogFile(log.fs, to, context))?.ino !== ino) {
    // The name was taken (by another file), or the active name led to another process's file:
    // then the link made here is taken back.
    if (linked) await log.fs.unlink(to).catch(() => undefined);
    throw rotationRefused(log, rotated, linked ? "moved" : "taken");
  }
  // Another process rotated this file meanwhile (it has the rotated name, the active name leads
  // elsewhere): nothing more to do here, and this writer's lock is not to be trusted.
  if (!(await unlinkActiveIf(log, ino))) throw rotationRefused(log, rotated, "moved");
}

/**
 * Removes the active name when it still leads to `ino` (which keeps its rotated name): the name is
 * first moved to a private one, `.<name>.<pid>-<tag>.rotating`, and only that is removed once it is
 * known to lead to `ino`. A writer frozen after its check may have moved another process's new
 * active file aside instead: it is linked back under the active name (`ERR_STALE`,
 * `details.reason: "stranded"`, with the private name as `path`, when even that name was taken
 * again meanwhile — its records are kept there, not lost). Resolves whether `ino` lost its name.
 */
async function unlinkActiveIf(log: LogState, ino: number): Promise<boolean> {
  const context = { target: log.files.active, stage: "rename" } as const;
  // The rotated name must be durable before the active one goes, or a power loss could keep
  // neither.
  await syncDir(log.fs, log.files.dir);
  if ((await lstatLogFile(log.fs, log.activePath, context))?.ino !== ino) return false;
  const aside = log.files.path(log.files.rotatingTemp(process.pid, log.tag()));
  try {
    await log.fs.rename(log.activePath, aside);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw logFailure(error, context);
  }
  if ((await lstatLogFile(log.fs, aside, context))?.ino === ino) {
    await log.fs.unlink(aside);
    return true;
  }
  try {
    await log.fs.link(aside, log.activePath);
  } catch (error) {
    throw stranded(log, aside, error);
  }
  await log.fs.unlink(aside);
  return false;
}

/** Another process's active file, moved aside by a frozen writer, could not be put back. */
function stranded(log: LogState, aside: string, cause: unknown): PersistenceError {
  return new PersistenceError(
    "ERR_STALE",
    `another process's active file was moved to ${JSON.stringify(aside)} by a rotation that lost its lock, and its name is taken again: its records are kept there`,
    {
      stage: "rename",
      target: log.files.active,
      cause,
      details: { reason: "stranded", path: aside },
    },
  );
}

async function renameChecked(log: LogState, ino: number, rotated: string): Promise<void> {
  const to = log.files.path(rotated);
  const context = { target: rotated, stage: "rename" } as const;
  if ((await lstatLogFile(log.fs, to, context)) !== undefined) {
    throw rotationRefused(log, rotated, "taken");
  }
  if ((await lstatLogFile(log.fs, log.activePath, context))?.ino !== ino) {
    throw rotationRefused(log, rotated, "moved");
  }
  await log.fs.rename(log.activePath, to);
}

/**
 * Whether the active file (inode `ino`, starting at `firstSeq`) also has its rotated name: a
 * rotation interrupted between its link and its unlink. Then the active name is removed (the
 * records stay under the rotated one) so that the next file is created; nothing is appended to a
 * rotated file.
 */
export async function finishInterruptedRotation(
  log: LogState,
  ino: number,
  firstSeq: number,
): Promise<boolean> {
  const rotated = log.files.rotated(firstSeq);
  const found = await lstatLogFile(log.fs, log.files.path(rotated), {
    target: rotated,
    stage: "open",
  });
  if (found?.ino !== ino) return false;
  await log.release();
  await unlinkActiveIf(log, ino);
  await syncDir(log.fs, log.files.dir);
  return true;
}
