import type { OpenJournalOptions } from "./journal-types.js";
import type { RecoveryMode, ReplayJournalOptions } from "./replay-journal.js";

/** The recovery modes of replay (see {@link RecoveryMode}). */
const RECOVERY_MODES: readonly string[] = [
  "tolerate-tail",
  "point-in-time",
  "absolute",
  "salvage",
] satisfies readonly RecoveryMode[];

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
 * Checks what the writer's own option resolution does not: that there are options at all, the
 * replay options and the callbacks (sizes are checked where they are resolved, in writer-state). `TypeError` for a wrong kind of value,
 * `RangeError` for one out of range.
 */
export function checkOpenJournalOptions(options: OpenJournalOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openJournal: options are required ({ dir, name, … })");
  }
  checkReplayOptions(options, "openJournal");
  for (const key of ["onReplayEnd", "onEvent"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new TypeError(`openJournal: ${key} must be a function`);
    }
  }
}
