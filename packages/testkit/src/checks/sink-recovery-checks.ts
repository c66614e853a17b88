// Sink checks: Backup and quarantine.
import type { Sink } from "@snapwrite/core";
import {
  chunksOf,
  describeBytes,
  ensure,
  ensurePersistenceError,
  patternBytes,
  readOrMissing,
  rejectionOf,
  within,
  yieldTurns,
} from "./assertions.js";
import { CALL_LIMIT_MS, createGate, expectContent, write } from "./sink-support.js";

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
