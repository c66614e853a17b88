// Sink checks: Missing targets and invalid target names.
import type { Sink } from "@snapwrite/core";
import { ensure, ensurePersistenceError, patternBytes, rejectionOf } from "./assertions.js";
import { write } from "./sink-support.js";

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
