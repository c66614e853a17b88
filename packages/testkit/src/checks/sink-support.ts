// Helpers shared by the sink checks. Internal, except the option types the checks take.
import type { Sink } from "@snapwrite/core";
import { describeBytes, ensure, readOrMissing, sameBytes, within } from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";

/** Options of {@link checkLargePayload}. */
export interface LargePayloadOptions {
  /** Total bytes. Default 8 MiB. */
  readonly bytes?: number | undefined;
  /** Chunk size. Default 64 KiB. */
  readonly chunkBytes?: number | undefined;
}

/** Options of the checks that make writes fail ({@link checkAbort}, {@link checkSourceFailure}). */
export interface FailedWriteCheckOptions {
  /**
   * Called after every write the check made fail, once it rejected, with a description of that
   * write; throw (ideally a {@link ContractViolation}) to report what it left behind. The fs-sink
   * contract uses it to verify that no temp file outlives a failed write.
   */
  readonly afterFailedWrite?: ((what: string) => void | Promise<void>) | undefined;
}

/** How long a single sink call may take inside a check before it counts as hung. */
export const CALL_LIMIT_MS = 20_000;

export async function write(
  check: string,
  sink: Sink,
  target: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options?: { signal?: AbortSignal; generation?: number },
) {
  return within(check, sink.write(target, chunks, options), CALL_LIMIT_MS, `write(${target})`);
}

export async function expectContent(
  check: string,
  sink: Sink,
  target: string,
  expected: Uint8Array,
  what: string,
  from?: "primary" | "backup",
) {
  const actual = await readOrMissing(
    check,
    () =>
      within(
        check,
        sink.read(target, from === undefined ? undefined : { from }),
        CALL_LIMIT_MS,
        "read",
      ),
    what,
  );
  ensure(
    check,
    actual !== undefined && sameBytes(actual, expected),
    `${what}: expected ${describeBytes(expected)}, read ${describeBytes(actual)}`,
  );
}

export async function* asyncChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

export function* syncChunks(chunks: readonly Uint8Array[]): Generator<Uint8Array> {
  yield* chunks;
}

/** A gate a chunk source waits on, so a test can act while a write is in progress. */
export function createGate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open: () => open() };
}
