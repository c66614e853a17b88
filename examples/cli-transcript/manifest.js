// The manifest: an index of the transcripts (contexts, line counts, last seq, times), rewritten
// atomically under a lock file. The logs are the record; the manifest is only an index of them.
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { lockFile, readRegularFile, writeJsonAtomic } from "@snapwrite/sink-fs";

/** Fields of a context entry that hold a count or a seq: whole numbers ≥ 0. */
const COUNTERS = ["count", "lastSeq", "rotations"];
/** Fields of a context entry that hold a time. */
const TIMES = ["createdAt", "updatedAt", "rotatedAt"];

/**
 * Reads the manifest without ever waiting on it: a FIFO, device or directory in its place is
 * refused (`ERR_INVALID_TARGET`) instead of hanging the command. A manifest of another shape is
 * `ERR_CORRUPT` naming the file and what is wrong, so it is never rewritten with updates lost.
 * `contexts` comes back without a prototype: a context named `constructor` or `toString` is a
 * context like any other.
 */
export async function readManifest(path) {
  let text;
  try {
    const bytes = await readRegularFile(nodeFs, path, { target: path });
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  } catch (error) {
    if (error?.code === "ENOENT") {
      return { version: 1, updatedAt: null, contexts: Object.create(null) };
    }
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
  const problem = shapeProblem(manifest);
  if (problem !== undefined) {
    throw new PersistenceError(
      "ERR_CORRUPT",
      `the manifest ${path} is not a transcript manifest: ${problem}`,
      { target: path },
    );
  }
  return { ...manifest, contexts: Object.assign(Object.create(null), manifest.contexts) };
}

function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What is wrong with a parsed manifest, or `undefined` when it has the shape this CLI writes. */
function shapeProblem(manifest) {
  if (!isRecord(manifest)) return "it is no JSON object";
  if (manifest.version !== 1) return `version is ${JSON.stringify(manifest.version)}, not 1`;
  const { updatedAt } = manifest;
  if (updatedAt !== undefined && updatedAt !== null && typeof updatedAt !== "string") {
    return "updatedAt is no time";
  }
  if (!isRecord(manifest.contexts)) return "contexts is no object";
  for (const [name, entry] of Object.entries(manifest.contexts)) {
    const at = `contexts[${JSON.stringify(name)}]`;
    if (!isRecord(entry)) return `${at} is no object`;
    for (const key of COUNTERS) {
      const value = entry[key];
      if (value === undefined && key === "rotations") continue;
      if (!Number.isSafeInteger(value) || value < 0) {
        return `${at}.${key} is ${JSON.stringify(value) ?? "missing"}, not a whole number ≥ 0`;
      }
    }
    for (const key of TIMES) {
      if (entry[key] !== undefined && typeof entry[key] !== "string") {
        return `${at}.${key} is no time`;
      }
    }
  }
  return undefined;
}

/**
 * Read-modify-write of the manifest inside its lock, so concurrent invocations never lose each
 * other's updates; the new version replaces the old one atomically (temp file, fsync, rename).
 * On Node 24+ (or in TypeScript) the try/finally is `await using lock = await lockFile(…)`.
 */
export async function updateManifest(dir, context, change, { waitMs }) {
  const path = join(dir, "manifest.json");
  const lock = await lockFile(path, { waitMs });
  try {
    const manifest = await readManifest(path);
    const now = new Date().toISOString();
    const entry = Object.hasOwn(manifest.contexts, context)
      ? manifest.contexts[context]
      : { count: 0, lastSeq: 0, rotations: 0, createdAt: now };
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
