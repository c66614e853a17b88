import { type ProcessIdentity, processIdentity } from "./process-identity.js";
import { randomTag } from "./random-tag.js";
import { utf8Prefix } from "./utf8-prefix.js";

const TEMP_NAME =
  /^\.(.*)\.([0-9]+)-(?:([0-9a-z]{7})-([0-9a-z]+)-([js][0-9a-z]+)-([0-9a-z]+)-)?([0-9a-z]+)\.tmp$/;

/**
 * Longest part of a target's name copied into a temp name, in bytes (UTF-8, as the file system
 * counts them), so the temp name stays under NAME_MAX (255 bytes) whatever characters the name has.
 */
export const MAX_NAME_PART_BYTES = 120;

/** A temp file name as the sweep parses it. */
export interface ParsedTempFileName {
  /** Name of the file the temp file was for (possibly shortened). */
  readonly name: string;
  /** Id of the process that created it. */
  readonly pid: number;
  /**
   * Who created it: absent in names of older versions (`.<name>.<pid>-<tag>.tmp`), which carry the
   * pid alone.
   */
  readonly creator: ProcessIdentity | undefined;
}

/**
 * The name of a temp file for `name`, made by the calling thread:
 * `.<name>.<pid>-<boot>-<pidns>-<start>-<thread>-<random>.tmp`. The creator's identity lets the
 * sweep tell orphans of dead processes from files a live process (or another thread of this one,
 * or a process in another pid namespace) is still writing.
 */
export function tempFileName(name: string, pid: number, random: () => number): string {
  const self = processIdentity();
  const creator = `${self.boot}-${self.pidNs}-${self.start}-${self.threadId.toString(36)}`;
  return `${tempNamePrefix(name)}${pid}-${creator}-${randomTag(random, 8)}.tmp`;
}

/** What every temp name for `name` starts with: `.<name, at most 120 bytes of it>.`. */
export function tempNamePrefix(name: string): string {
  return `.${utf8Prefix(name, MAX_NAME_PART_BYTES)}.`;
}

/** Parses a name made by {@link tempFileName} (or an older version); `undefined` for any other name. */
export function parseTempFileName(fileName: string): ParsedTempFileName | undefined {
  const match = TEMP_NAME.exec(fileName);
  if (match === null) return undefined;
  const pid = Number(match[2]);
  if (!Number.isSafeInteger(pid)) return undefined;
  const [boot, pidNs, start, thread] = [match[3], match[4], match[5], match[6]];
  const creator =
    boot === undefined || pidNs === undefined || start === undefined || thread === undefined
      ? undefined
      : { pid, threadId: Number.parseInt(thread, 36), boot, pidNs, start };
  return { name: match[1] ?? "", pid, creator };
}
