import { posix } from "node:path";
import type { FsPort, Sink } from "@snapwrite/core";
import { createMemoryFs, type MemoryFsFiles } from "../memory-fs.js";
import { chunksOf, patternBytes, readOrMissing, within } from "./assertions.js";
import type { FsSinkCheckOptions, FsSinkFactory } from "./fs-sink-options.js";

/** The target the fault and crash checks write. */
export const TARGET = "target.bin";

/** Bound on every sink call of these checks. */
export const CALL_LIMIT_MS = 20_000;

/** Closes `sink`, ignoring a failure: closing is not what these checks are about. */
export async function closeQuietly(sink: Sink): Promise<void> {
  try {
    await sink.close?.();
  } catch {
    // Closing is not what these checks are about.
  }
}

/** The old and the new content of the checks, and the new one as chunks. */
export function payloads() {
  const old = patternBytes(3000, 101);
  const next = patternBytes(5000, 102);
  return { old, next, chunks: () => chunksOf(next, 2048) };
}

/** Reads `target` through a sink built fresh on `fs`, or `undefined` when missing. */
export async function readVia(
  check: string,
  create: FsSinkFactory,
  fs: FsPort,
  dir: string,
  target: string,
  what: string,
): Promise<Uint8Array | undefined> {
  const sink = await create({ fs, dir });
  try {
    return await readOrMissing(
      check,
      () => within(check, sink.read(target), CALL_LIMIT_MS, `${what}: read`),
      what,
    );
  } finally {
    await closeQuietly(sink);
  }
}

/**
 * Every entry under `dir` (files, links and directories, at any depth), as paths relative to
 * `dir`: `"target.bin"`, `".staging"`, `".staging/tmp-1"`.
 */
export async function listTree(fs: FsPort, dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const name of await fs.readdir(posix.join(dir, relative))) {
      const entry = relative === "" ? name : `${relative}/${name}`;
      out.push(entry);
      if ((await fs.lstat(posix.join(dir, entry))).isDirectory()) await walk(entry);
    }
  };
  await walk("");
  return out;
}

/**
 * The starting files of a check whose target holds `old`: the raw bytes at `dir/target`, or, with
 * {@link FsSinkCheckOptions.seedThroughSink}, whatever the sink leaves when it writes `old` to an
 * empty directory.
 */
export async function seedFiles(
  check: string,
  options: FsSinkCheckOptions,
  dir: string,
  old: Uint8Array,
): Promise<MemoryFsFiles> {
  if (options.seedThroughSink !== true) return { [posix.join(dir, TARGET)]: old };
  const memory = createMemoryFs({ [dir]: null });
  const sink = await options.create({ fs: memory, dir });
  try {
    await within(check, sink.write(TARGET, [old]), CALL_LIMIT_MS, "seeding the old content");
  } finally {
    await closeQuietly(sink);
  }
  return memory.toBinary();
}

/**
 * The target's content on `fs`: its raw bytes, or, with {@link FsSinkCheckOptions.seedThroughSink},
 * what a sink built fresh on `fs` reads. `undefined` when missing.
 */
export function readTarget(
  check: string,
  options: FsSinkCheckOptions,
  fs: FsPort,
  dir: string,
  what: string,
): Promise<Uint8Array | undefined> {
  if (options.seedThroughSink === true)
    return readVia(check, options.create, fs, dir, TARGET, what);
  return readOrMissing(check, () => fs.readFile(posix.join(dir, TARGET)), what);
}
