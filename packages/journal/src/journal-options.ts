import type { OpenJournalOptions } from "./journal-types.js";
import type { RecoveryMode, ReplayJournalOptions } from "./replay-journal.js";
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "./segment-format.js";

/** The recovery modes of replay (see {@link RecoveryMode}). */
const RECOVERY_MODES: readonly string[] = [
  "tolerate-tail",
  "point-in-time",
  "absolute",
  "salvage",
] satisfies readonly RecoveryMode[];

/** The smallest `maxSegmentBytes`: a segment header and one record header. */
export const MIN_SEGMENT_BYTES = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES;

/** Throws a `TypeError` for a `recovery` that is no mode (a typo) or an `onRecord` that is no function. */
export function checkReplayOptions(
  options: Pick<ReplayJournalOptions, "recovery" | "onRecord">,
  caller: string,
): void {
  const { recovery, onRecord } = options;
  if (recovery !== undefined && !RECOVERY_MODES.includes(recovery)) {
    const modes = RECOVERY_MODES.map((mode) => JSON.stringify(mode)).join(", ");
    throw new TypeError(
      `${caller}: recovery must be one of ${modes} (got ${JSON.stringify(recovery)})`,
    );
  }
  if (onRecord !== undefined && typeof onRecord !== "function") {
    throw new TypeError(`${caller}: onRecord must be a function`);
  }
}

/**
 * Checks what `openJournal` does not check itself: that there are options at all, the replay
 * options, the callbacks and the smallest `maxSegmentBytes`. `TypeError` for a wrong kind of value,
 * `RangeError` for one out of range.
 */
export function checkOpenJournalOptions(options: OpenJournalOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openJournal: options are required ({ dir, name, … })");
  }
  const { maxSegmentBytes } = options;
  if (
    maxSegmentBytes !== undefined &&
    (!Number.isSafeInteger(maxSegmentBytes) || maxSegmentBytes < MIN_SEGMENT_BYTES)
  ) {
    throw new RangeError(
      `openJournal: maxSegmentBytes must be an integer ≥ ${MIN_SEGMENT_BYTES} (a segment header and one record header), got ${maxSegmentBytes}`,
    );
  }
  checkReplayOptions(options, "openJournal");
  for (const key of ["onReplayEnd", "onEvent"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new TypeError(`openJournal: ${key} must be a function`);
    }
  }
}
