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
  within,
  yieldTurns,
} from "./assertions.js";
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
const CALL_LIMIT_MS = 20_000;

async function write(
  check: string,
  sink: Sink,
  target: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options?: { signal?: AbortSignal; generation?: number },
) {
  return within(check, sink.write(target, chunks, options), CALL_LIMIT_MS, `write(${target})`);
}

async function expectContent(
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

async function* asyncChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

function* syncChunks(chunks: readonly Uint8Array[]): Generator<Uint8Array> {
  yield* chunks;
}

/**
 * Round trip: bytes written from an array, a generator and an async generator read back
 * unchanged, also under a nested target; `write` reports the byte count and the durability the
 * sink declares.
 */
export async function checkRoundTrip(sink: Sink): Promise<void> {
  const check = "checkRoundTrip";
  const cases: [string, Iterable<Uint8Array> | AsyncIterable<Uint8Array>, Uint8Array][] = [];
  const a = patternBytes(1000, 1);
  cases.push(["round-trip.bin", chunksOf(a, 300), a]);
  const b = patternBytes(777, 2);
  cases.push(["round-trip-sync.bin", syncChunks(chunksOf(b, 100)), b]);
  const c = patternBytes(4097, 3);
  cases.push(["round-trip-async.bin", asyncChunks(chunksOf(c, 1024)), c]);
  const d = patternBytes(64, 4);
  cases.push(["nested/dir/round-trip.bin", [d], d]);
  for (const [target, chunks, expected] of cases) {
    const result = await write(check, sink, target, chunks);
    ensure(
      check,
      result.bytes === expected.byteLength,
      `write(${target}) reported ${result.bytes} bytes, wrote ${expected.byteLength}`,
    );
    ensure(
      check,
      result.durable === sink.capabilities.durable,
      `write(${target}) reported durable=${result.durable} but the sink declares durable=${sink.capabilities.durable}`,
    );
    await expectContent(check, sink, target, expected, `read(${target}) after write`);
  }
}

/** Overwrite: a shorter then a longer payload replace the previous content completely. */
export async function checkOverwrite(sink: Sink): Promise<void> {
  const check = "checkOverwrite";
  const target = "overwrite.bin";
  for (const [length, tag] of [
    [5000, 1],
    [100, 2],
    [9000, 3],
    [1, 4],
  ] as const) {
    const bytes = patternBytes(length, tag);
    await write(check, sink, target, chunksOf(bytes, 1024));
    await expectContent(check, sink, target, bytes, `read after writing ${length} bytes`);
  }
}

/** Empty payloads: no chunks, or only empty chunks, store an existing empty target. */
export async function checkEmptyPayload(sink: Sink): Promise<void> {
  const check = "checkEmptyPayload";
  const none = await write(check, sink, "empty.bin", []);
  ensure(check, none.bytes === 0, `write of no chunks reported ${none.bytes} bytes`);
  await expectContent(check, sink, "empty.bin", new Uint8Array(0), "read of an empty target");
  await write(check, sink, "empty-chunks.bin", [patternBytes(10, 1)]);
  const empty = await write(check, sink, "empty-chunks.bin", [
    new Uint8Array(0),
    new Uint8Array(0),
  ]);
  ensure(check, empty.bytes === 0, `write of empty chunks reported ${empty.bytes} bytes`);
  await expectContent(
    check,
    sink,
    "empty-chunks.bin",
    new Uint8Array(0),
    "read after overwriting with empty chunks",
  );
}

/** Large payload: many MiB in many chunks arrive complete and in order. */
export async function checkLargePayload(
  sink: Sink,
  options: LargePayloadOptions = {},
): Promise<void> {
  const check = "checkLargePayload";
  const total = options.bytes ?? 8 * 1024 * 1024;
  const size = options.chunkBytes ?? 64 * 1024;
  const bytes = patternBytes(total, 7);
  async function* chunks() {
    for (let at = 0; at < total; at += size) {
      yield bytes.slice(at, at + size);
      if ((at / size) % 16 === 0) await Promise.resolve();
    }
  }
  const result = await write(check, sink, "large.bin", chunks());
  ensure(check, result.bytes === total, `write reported ${result.bytes} bytes, wrote ${total}`);
  await expectContent(check, sink, "large.bin", bytes, "read of the large payload");
}

/** A missing target reads as `ERR_NOT_FOUND` (primary and backup). */
export async function checkNotFound(sink: Sink): Promise<void> {
  const check = "checkNotFound";
  const error = await rejectionOf(check, sink.read("missing.bin"), "read of a missing target");
  ensurePersistenceError(check, error, "ERR_NOT_FOUND", "read of a missing target");
  const nested = await rejectionOf(
    check,
    sink.read("missing-dir/missing.bin"),
    "read of a target in a missing directory",
  );
  ensurePersistenceError(check, nested, "ERR_NOT_FOUND", "read of a target in a missing directory");
}

/** Targets the contract forbids; every sink must refuse them with `ERR_INVALID_TARGET`. */
export const INVALID_TARGETS: readonly string[] = Object.freeze([
  "../x",
  "a/../../x",
  "/abs",
  "a\0b",
  "",
]);

/** Invalid targets (`../x`, absolute, NUL, empty) are refused on write and read, and nothing is written. */
export async function checkInvalidTargets(sink: Sink): Promise<void> {
  const check = "checkInvalidTargets";
  for (const target of INVALID_TARGETS) {
    let consumed = false;
    const source = (function* () {
      consumed = true;
      yield patternBytes(10, 1);
    })();
    const error = await rejectionOf(
      check,
      write(check, sink, target, source),
      `write(${JSON.stringify(target)})`,
    );
    ensurePersistenceError(check, error, "ERR_INVALID_TARGET", `write(${JSON.stringify(target)})`);
    ensure(check, !consumed, `write(${JSON.stringify(target)}) pulled chunks before validating`);
    const readError = await rejectionOf(
      check,
      sink.read(target),
      `read(${JSON.stringify(target)})`,
    );
    ensurePersistenceError(
      check,
      readError,
      "ERR_INVALID_TARGET",
      `read(${JSON.stringify(target)})`,
    );
  }
}

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

/** A gate a chunk source waits on, so a test can act while a write is in progress. */
function createGate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open: () => open() };
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
  await pending;
  await expectContent(check, sink, target, next, "read after the slow write");
}

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
  for (let i = 0; i < 10; i++) {
    await yieldTurns(2);
    const seen = await readOrMissing(check, () => sink.read(target), "read between writes");
    ensure(check, isComplete(seen), `a read between concurrent writes saw ${describeBytes(seen)}`);
  }
  gate.open();
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

/** Backup (sinks declaring `backup`): the previous version reads back with `{ from: "backup" }`. */
export async function checkBackup(sink: Sink): Promise<void> {
  const check = "checkBackup";
  const target = "backup.bin";
  const noBackup = await rejectionOf(
    check,
    sink.read(target, { from: "backup" }),
    "backup read of a missing target",
  );
  ensurePersistenceError(check, noBackup, "ERR_NOT_FOUND", "backup read of a missing target");
  const v1 = patternBytes(1200, 1);
  const v2 = patternBytes(900, 2);
  const v3 = patternBytes(1500, 3);
  await write(check, sink, target, chunksOf(v1, 500));
  await write(check, sink, target, chunksOf(v2, 500));
  await expectContent(check, sink, target, v2, "primary after the second write");
  await expectContent(check, sink, target, v1, "backup after the second write", "backup");
  await write(check, sink, target, chunksOf(v3, 500));
  await expectContent(check, sink, target, v3, "primary after the third write");
  await expectContent(check, sink, target, v2, "backup after the third write", "backup");
}

/** Quarantine (sinks with `quarantine`): the target moves aside, reads as missing, and can be written again. */
export async function checkQuarantine(sink: Sink): Promise<void> {
  const check = "checkQuarantine";
  const quarantine = sink.quarantine?.bind(sink);
  ensure(check, quarantine !== undefined, "the sink has no quarantine()");
  const target = "quarantine.bin";
  await write(check, sink, target, [patternBytes(700, 1)]);
  const where = await quarantine(target, "contract test");
  ensure(
    check,
    typeof where === "string" && where.length > 0,
    `quarantine() must resolve with where the file went, got ${String(where)}`,
  );
  const gone = await readOrMissing(check, () => sink.read(target), "read after quarantine");
  ensure(check, gone === undefined, `the quarantined target still reads as ${describeBytes(gone)}`);
  const next = patternBytes(300, 2);
  await write(check, sink, target, [next]);
  await expectContent(check, sink, target, next, "read after writing a quarantined target again");
}

/**
 * Quarantine of an expected version (sinks with `quarantine`): `quarantine(target, reason,
 * { expected })` moves the target only while it holds exactly `expected`. Different bytes of the
 * same size, a different size, and a write that lands between the read and the quarantine (queued
 * before it) all make it reject with `ERR_STALE` and leave the newer version in place; with the
 * bytes that are stored it moves the target like a plain quarantine.
 */
export async function checkQuarantineExpected(sink: Sink): Promise<void> {
  const check = "checkQuarantineExpected";
  const quarantine = sink.quarantine?.bind(sink);
  ensure(check, quarantine !== undefined, "the sink has no quarantine()");
  const target = "quarantine-expected.bin";
  const stored = patternBytes(700, 1);
  await write(check, sink, target, [stored]);

  const sameSize = patternBytes(700, 2);
  const otherSize = patternBytes(699, 1);
  for (const [expected, what] of [
    [sameSize, "other bytes of the same size"],
    [otherSize, "a prefix of the stored bytes"],
  ] as const) {
    const error = await rejectionOf(
      check,
      within(check, quarantine(target, "contract test", { expected }), CALL_LIMIT_MS, "quarantine"),
      `quarantine expecting ${what}`,
    );
    ensurePersistenceError(check, error, "ERR_STALE", `quarantine expecting ${what}`);
    await expectContent(check, sink, target, stored, `read after a quarantine expecting ${what}`);
  }

  // The race loadTarget meets: the bad version was read, then a write was queued before the
  // quarantine. The quarantine runs after the write and must leave the new version alone.
  const read = await within(check, sink.read(target), CALL_LIMIT_MS, "read");
  const gate = createGate();
  const newer = patternBytes(900, 3);
  async function* slow() {
    yield newer.slice(0, 100);
    await gate.opened;
    yield newer.slice(100);
  }
  const writing = write(check, sink, target, slow());
  writing.catch(() => {});
  await yieldTurns(2);
  const moving = quarantine(target, "contract test", { expected: read });
  moving.catch(() => {});
  await yieldTurns(2);
  gate.open();
  await writing;
  const raced = await rejectionOf(
    check,
    within(check, moving, CALL_LIMIT_MS, "quarantine"),
    "quarantine queued behind a write, expecting the version read before it",
  );
  ensurePersistenceError(check, raced, "ERR_STALE", "quarantine of a version replaced meanwhile");
  await expectContent(check, sink, target, newer, "the version written before the quarantine");

  const where = await within(
    check,
    quarantine(target, "contract test", { expected: newer }),
    CALL_LIMIT_MS,
    "quarantine",
  );
  ensure(
    check,
    typeof where === "string" && where.length > 0,
    `quarantine() with the stored bytes must resolve with where the file went, got ${String(where)}`,
  );
  const gone = await readOrMissing(check, () => sink.read(target), "read after quarantine");
  ensure(check, gone === undefined, `the quarantined target still reads as ${describeBytes(gone)}`);
}

/**
 * Fencing (sinks declaring `fencing`): a write with an older generation than the stored one
 * rejects with `ERR_STALE` and changes nothing (neither the primary nor, when kept, the backup); a
 * write with the same generation replaces the content like any later call; a newer one wins.
 */
export async function checkFencing(sink: Sink): Promise<void> {
  const check = "checkFencing";
  const target = "fencing.bin";
  const v5 = patternBytes(1500, 1);
  const v5again = patternBytes(1200, 2);
  const v3 = patternBytes(800, 3);
  const v6 = patternBytes(900, 4);
  await write(check, sink, target, chunksOf(v5, 500), { generation: 5 });
  await write(check, sink, target, chunksOf(v5again, 500), { generation: 5 });
  await expectContent(check, sink, target, v5again, "a write with the same generation replaces");
  const stale = await rejectionOf(
    check,
    write(check, sink, target, chunksOf(v3, 500), { generation: 3 }),
    "write with an older generation",
  );
  ensurePersistenceError(check, stale, "ERR_STALE", "write with an older generation");
  await expectContent(check, sink, target, v5again, "primary after a refused stale write");
  if (sink.capabilities.backup) {
    await expectContent(check, sink, target, v5, "backup after a refused stale write", "backup");
  }
  await write(check, sink, target, chunksOf(v6, 500), { generation: 6 });
  await expectContent(check, sink, target, v6, "a newer generation replaces");
  const older = await rejectionOf(
    check,
    write(check, sink, target, [patternBytes(10, 5)], { generation: 5 }),
    "write with the generation that was current before",
  );
  ensurePersistenceError(check, older, "ERR_STALE", "write with a superseded generation");
  await expectContent(check, sink, target, v6, "primary after the second refused write");
}
