import type { FsPort, Sink } from "@snapwrite/core";
import { chunksOf, patternBytes, readOrMissing, within } from "./assertions.js";
import type { FsSinkFactory } from "./fs-sink-options.js";

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
