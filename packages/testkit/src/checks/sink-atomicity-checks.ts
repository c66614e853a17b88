// Sink checks: Failed, aborted and in-flight writes leave the old content whole.
import { isPersistenceError, PersistenceError, type Sink } from "@snapwrite/core";
import {
  chunksOf,
  describeBytes,
  describeError,
  ensure,
  ensurePersistenceError,
  patternBytes,
  readOrMissing,
  rejectionOf,
  sameBytes,
  someCause,
  yieldTurns,
} from "./assertions.js";
import { createGate, expectContent, type FailedWriteCheckOptions, write } from "./sink-support.js";

/**
 * A chunk source that throws midway: the write rejects with a `PersistenceError` carrying the
 * source's error as `cause` (a source's own `PersistenceError` keeps its code), the old content
 * stays, and a target that did not exist still does not. `options.afterFailedWrite` runs after
 * each of the failed writes.
 */
export async function checkSourceFailure(
  sink: Sink,
  options: FailedWriteCheckOptions = {},
): Promise<void> {
  const check = "checkSourceFailure";
  const after = async (what: string) => options.afterFailedWrite?.(what);
  const old = patternBytes(3000, 1);
  await write(check, sink, "source-failure.bin", chunksOf(old, 1000));
  const boom = new Error("chunk source failed");
  async function* failing() {
    yield patternBytes(1000, 2);
    await Promise.resolve();
    yield patternBytes(1000, 3);
    throw boom;
  }
  const error = await rejectionOf(
    check,
    write(check, sink, "source-failure.bin", failing()),
    "write with a failing chunk source",
  );
  await after("write with a chunk source that throws midway");
  ensure(
    check,
    isPersistenceError(error),
    `a failing chunk source must give a PersistenceError, got ${describeError(error)}`,
  );
  ensure(
    check,
    someCause(error, (cause) => cause === boom),
    "the PersistenceError must carry the source's error as cause",
  );
  await expectContent(check, sink, "source-failure.bin", old, "old content after a failed write");

  const typed = new PersistenceError("ERR_ENCODE", "codec failed", { stage: "encode" });
  function* typedFailing() {
    yield patternBytes(10, 4);
    throw typed;
  }
  const typedError = await rejectionOf(
    check,
    write(check, sink, "source-failure.bin", typedFailing()),
    "write with a source throwing a PersistenceError",
  );
  await after("write with a chunk source that throws a PersistenceError");
  ensurePersistenceError(
    check,
    typedError,
    "ERR_ENCODE",
    "write with a source throwing PersistenceError ERR_ENCODE",
  );
  await expectContent(check, sink, "source-failure.bin", old, "old content after a failed write");

  const failingAtOnce: Iterable<Uint8Array> = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<Uint8Array> => {
        throw boom;
      },
    }),
  };
  await rejectionOf(
    check,
    write(check, sink, "never-written.bin", failingAtOnce),
    "write of a new target with a failing source",
  );
  await after("write of a new target whose chunk source throws at once");
  const missing = await readOrMissing(check, () => sink.read("never-written.bin"), "read");
  ensure(
    check,
    missing === undefined,
    `a new target whose write failed must not exist, read ${describeBytes(missing)}`,
  );
}

/**
 * Abort: an already aborted signal and a signal fired midway both reject with `ERR_ABORTED` and
 * leave the old content in place. `options.afterFailedWrite` runs after each of the failed writes.
 */
export async function checkAbort(sink: Sink, options: FailedWriteCheckOptions = {}): Promise<void> {
  const check = "checkAbort";
  const after = async (what: string) => options.afterFailedWrite?.(what);
  const target = "abort.bin";
  const old = patternBytes(2000, 1);
  await write(check, sink, target, chunksOf(old, 500));

  const pre = new AbortController();
  pre.abort();
  const preError = await rejectionOf(
    check,
    write(check, sink, target, [patternBytes(100, 2)], { signal: pre.signal }),
    "write with an aborted signal",
  );
  await after("write with an already aborted signal");
  ensurePersistenceError(check, preError, "ERR_ABORTED", "write with an already aborted signal");
  await expectContent(check, sink, target, old, "old content after an aborted write");

  const mid = new AbortController();
  async function* aborting() {
    for (let i = 0; i < 8; i++) {
      yield patternBytes(500, 10 + i);
      await yieldTurns(1);
      if (i === 2) mid.abort(new Error("stop"));
    }
  }
  const midError = await rejectionOf(
    check,
    write(check, sink, target, aborting(), { signal: mid.signal }),
    "write aborted midway",
  );
  await after("write aborted midway");
  ensurePersistenceError(check, midError, "ERR_ABORTED", "write whose signal fired midway");
  await expectContent(check, sink, target, old, "old content after a write aborted midway");
}

/**
 * Isolation while writing: reads during a slow write see exactly the old content, never part of
 * the new one; afterwards they see exactly the new content.
 */
export async function checkReadDuringWrite(sink: Sink): Promise<void> {
  const check = "checkReadDuringWrite";
  const target = "read-during-write.bin";
  const old = patternBytes(4000, 1);
  const next = patternBytes(6000, 2);
  await write(check, sink, target, chunksOf(old, 1000));
  const gates = [createGate(), createGate(), createGate()];
  const parts = chunksOf(next, 2000);
  const reached: boolean[] = [];
  async function* slow() {
    for (let i = 0; i < parts.length; i++) {
      yield parts[i] as Uint8Array;
      reached[i] = true;
      await (gates[i] as ReturnType<typeof createGate>).opened;
    }
  }
  const pending = write(check, sink, target, slow());
  pending.catch(() => {});
  try {
    for (let i = 0; i < gates.length; i++) {
      for (let turn = 0; turn < 50 && reached[i] !== true; turn++) await yieldTurns(1);
      for (let poll = 0; poll < 3; poll++) {
        const seen = await readOrMissing(check, () => sink.read(target), "read during a write");
        ensure(
          check,
          seen !== undefined && sameBytes(seen, old),
          `a read while the write had handed over ${i + 1} chunk(s) saw ${describeBytes(seen)}, expected the old ${describeBytes(old)}`,
        );
        await yieldTurns(1);
      }
      (gates[i] as ReturnType<typeof createGate>).open();
    }
  } finally {
    // A violation must not leave the write paused: the caller's cleanup (close) waits for it.
    for (const gate of gates) gate.open();
  }
  await pending;
  await expectContent(check, sink, target, next, "read after the slow write");
}
