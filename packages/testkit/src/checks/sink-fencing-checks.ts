// Sink checks: Generation fencing.
import type { Sink } from "@snapwrite/core";
import { chunksOf, ensurePersistenceError, patternBytes, rejectionOf } from "./assertions.js";
import { expectContent, write } from "./sink-support.js";

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
