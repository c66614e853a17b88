import { createMemoryFs } from "../memory-fs.js";
import { ensure, patternBytes, within } from "./assertions.js";
import type { FsSinkCheckOptions } from "./fs-sink-options.js";
import { CALL_LIMIT_MS, closeQuietly, listTree } from "./fs-sink-support.js";
import { checkAbort, checkSourceFailure } from "./sink-checks.js";

/** The targets {@link checkAbort} and {@link checkSourceFailure} write. */
const FAILURE_TARGETS = ["abort.bin", "source-failure.bin", "never-written.bin"] as const;

/**
 * Names a sink may legitimately keep in its directory for `targets`: what two successful writes of
 * each leave (the target, and its backup when the sink keeps one), plus lock files (`*.lock`) when
 * it declares `crossProcessLock`.
 */
async function declaredNames(
  options: FsSinkCheckOptions,
  dir: string,
  targets: readonly string[],
): Promise<(name: string) => boolean> {
  const memory = createMemoryFs({ [dir]: null });
  const sink = await options.create({ fs: memory, dir });
  let locks = false;
  try {
    locks = sink.capabilities.crossProcessLock;
    for (const target of targets) {
      for (const seed of [201, 202]) {
        await within(
          "checkFailureCleanup",
          sink.write(target, [patternBytes(100, seed)]),
          CALL_LIMIT_MS,
          `write(${target}) without faults`,
        );
      }
    }
  } finally {
    await closeQuietly(sink);
  }
  const kept = new Set(await listTree(memory, dir));
  return (name) => kept.has(name) || (locks && /\.lock$/.test(name));
}

/**
 * Cleanup after failed writes (docs/architecture.md#sinks-and-the-write-protocol, "on failure: remove the temp file"): runs
 * {@link checkAbort} and {@link checkSourceFailure} on an in-memory file system and, after every
 * write they make fail, lists the sink's directory: nothing may be there but the targets and the
 * backup and lock files the sink keeps after successful writes. A temp file left behind by an
 * aborted write or a throwing chunk source fails the check.
 */
export async function checkFailureCleanup(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkFailureCleanup";
  const dir = options.dir ?? "/data";
  const declared = await declaredNames(options, dir, FAILURE_TARGETS);
  const memory = createMemoryFs({ [dir]: null });
  const sink = await options.create({ fs: memory, dir });
  const afterFailedWrite = async (what: string) => {
    const leftovers = (await listTree(memory, dir)).filter((name) => !declared(name));
    ensure(
      check,
      leftovers.length === 0,
      `${what}: leftover files after the failed write: ${leftovers.join(", ")}`,
    );
  };
  try {
    await checkAbort(sink, { afterFailedWrite });
    await checkSourceFailure(sink, { afterFailedWrite });
  } finally {
    await closeQuietly(sink);
  }
}
