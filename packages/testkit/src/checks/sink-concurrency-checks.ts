// Sink checks: Concurrent writes of one target and of many.
import { isPersistenceError, type Sink } from "@snapwrite/core";
import {
  chunksOf,
  describeBytes,
  describeError,
  ensure,
  patternBytes,
  readOrMissing,
  sameBytes,
  yieldTurns,
} from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";
import { asyncChunks, createGate, expectContent, write } from "./sink-support.js";

/**
 * Concurrent writes to one target: a slow write started first and a fast one started second end
 * with the second's content (last call wins, never a mix), reads in between see complete
 * versions only, and a burst of writes ends with the last one's content.
 */
export async function checkConcurrentWrites(sink: Sink): Promise<void> {
  const check = "checkConcurrentWrites";
  const target = "concurrent.bin";
  const old = patternBytes(3000, 1);
  const first = patternBytes(5000, 2);
  const second = patternBytes(4000, 3);
  await write(check, sink, target, chunksOf(old, 1000));
  const gate = createGate();
  async function* slow() {
    const parts = chunksOf(first, 1000);
    yield parts[0] as Uint8Array;
    await gate.opened;
    yield* parts.slice(1);
  }
  const complete = [old, first, second];
  const isComplete = (bytes: Uint8Array | undefined) =>
    bytes !== undefined && complete.some((version) => sameBytes(version, bytes));
  const a = write(check, sink, target, slow());
  a.catch(() => {});
  await yieldTurns(2);
  const b = write(check, sink, target, asyncChunks(chunksOf(second, 1000)));
  b.catch(() => {});
  try {
    for (let i = 0; i < 10; i++) {
      await yieldTurns(2);
      const seen = await readOrMissing(check, () => sink.read(target), "read between writes");
      ensure(
        check,
        isComplete(seen),
        `a read between concurrent writes saw ${describeBytes(seen)}`,
      );
    }
  } finally {
    // A violation must not leave the first write paused: the caller's cleanup (close) waits for it.
    gate.open();
  }
  const [resultA, resultB] = await Promise.allSettled([a, b]);
  if (resultA.status === "rejected") {
    ensure(
      check,
      isPersistenceError(resultA.reason),
      `a superseded write may only fail with a PersistenceError, got ${describeError(resultA.reason)}`,
    );
  }
  if (resultB.status === "rejected") {
    throw new ContractViolation(
      check,
      `the later write must succeed, it failed with ${describeError(resultB.reason)}`,
      { cause: resultB.reason },
    );
  }
  await expectContent(check, sink, target, second, "the later of two concurrent writes must win");

  const versions = Array.from({ length: 6 }, (_, i) => patternBytes(1500 + 97 * i, 20 + i));
  const burst = versions.map((version, i) => {
    async function* delayed() {
      // Earlier writes take longer, so a sink that does not serialize lets them land last.
      await yieldTurns((versions.length - i) * 3);
      yield* chunksOf(version, 500);
    }
    const promise = write(check, sink, target, delayed());
    promise.catch(() => {});
    return promise;
  });
  const settled = await Promise.allSettled(burst);
  const last = settled[settled.length - 1];
  if (last?.status === "rejected") {
    throw new ContractViolation(
      check,
      `the last write of a burst failed with ${describeError(last.reason)}`,
      { cause: last.reason },
    );
  }
  await expectContent(
    check,
    sink,
    target,
    versions[versions.length - 1] as Uint8Array,
    "the last write of a burst must win",
  );
}
