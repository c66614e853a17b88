import { randomTag } from "./random-tag.js";

const TEMP_NAME = /^\.(.*)\.([0-9]+)-([0-9a-z]+)\.tmp$/;

/** Longest part of a target's name copied into a temp name, so the temp name stays under NAME_MAX. */
const MAX_NAME_PART = 120;

/** A temp file name as the sweep parses it. */
export interface ParsedTempFileName {
  /** Name of the file the temp file was for (possibly shortened). */
  readonly name: string;
  /** Id of the process that created it. */
  readonly pid: number;
}

/**
 * The name of a temp file for `name`: `.<name>.<pid>-<random>.tmp`. The pid lets the start-up sweep
 * tell orphans of dead processes from files a live process is still writing.
 */
export function tempFileName(name: string, pid: number, random: () => number): string {
  return `.${name.slice(0, MAX_NAME_PART)}.${pid}-${randomTag(random)}.tmp`;
}

/** Parses a name made by {@link tempFileName}; `undefined` for any other name. */
export function parseTempFileName(fileName: string): ParsedTempFileName | undefined {
  const match = TEMP_NAME.exec(fileName);
  if (match === null) return undefined;
  const pid = Number(match[2]);
  if (!Number.isSafeInteger(pid)) return undefined;
  return { name: match[1] ?? "", pid };
}
