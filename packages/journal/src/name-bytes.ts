import { join } from "node:path";
import { PersistenceError } from "@snapwrite/core";
import { logFiles } from "./append-log/log-files.js";
import {
  quarantineFileName,
  segmentFileName,
  snapshotFileName,
  tornTempFileName,
} from "./file-names.js";

/** The most bytes a file name may have: `NAME_MAX` on Linux, and the limit of most file systems. */
export const MAX_FILE_NAME_BYTES = 255;

/** The longest time the names carry: whole ms since 1970, 13 digits until the year 2286. */
const LONGEST_TIME = 10 ** 13 - 1;
/** A writer's tag: six base-36 digits. */
const LONGEST_TAG = "z".repeat(6);
/** The longest pid the patterns of the temp names take: ten digits. */
const LONGEST_PID = 9_999_999_999;
/** A seq: always 16 hex digits in a name. */
const SEQ = Number.MAX_SAFE_INTEGER;
/** The highest suffix sink-fs gives a `<target>.corrupt-<ms>-<n>` name. */
const LONGEST_CORRUPT_SUFFIX = 10_000;

/** Bytes of `text` in UTF-8, as the file system counts a name. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Every kind of file name journal `name` (and a store on it) derives from it, each at its longest:
 * segments `<name>.wal.<seq>-<roll>`, the copies and moves aside of a segment
 * (`<segment>.torn-<time>-<tag>`, `.unused-…`, `.superseded-…`, `.foreign-…`), the temp file of a
 * torn copy `.<segment>.<pid>-<tag>.tmp`, snapshots `<name>.snap.<seq>`, a snapshot sink-fs moves
 * aside `<snapshot>.corrupt-<time>-<n>` and the lock file `.<name>.lock`. The other files of the
 * lock and of sink-fs (temp, claim and backup staging files) keep at most 120 bytes of the
 * name. The longest is `<segment>.superseded-<time>-<tag>`.
 */
export function journalFileNames(name: string): string[] {
  const segment = segmentFileName(name, SEQ, 0xffff);
  const snapshot = snapshotFileName(name, SEQ);
  return [
    segment,
    ...["torn", "unused", "superseded", "foreign"].map((kind) =>
      quarantineFileName(segment, kind, LONGEST_TIME, LONGEST_TAG),
    ),
    tornTempFileName(segment, LONGEST_PID, LONGEST_TAG),
    snapshot,
    `${snapshot}.corrupt-${LONGEST_TIME}-${LONGEST_CORRUPT_SUFFIX}`,
    `.${name}.lock`,
  ];
}

/**
 * Every kind of file name an append log whose active file is named `active` derives from it, each
 * at its longest: rotated files `<stem>.<seq><ext>`, the copies of cut bytes
 * `<active>.torn-<time>-<tag>` and `<active>.failed-<time>-<tag>`, the temp files of a tail repair
 * `.<active>.<pid>-<tag>.tmp` and of a rotation `.<active>.<pid>-<tag>.rotating`, and the lock file
 * `.<active>.lock` (its other files keep at most 120 bytes of the name). The longest are
 * `<active>.failed-<time>-<tag>` and `.<active>.<pid>-<tag>.rotating`.
 */
export function appendLogFileNames(active: string): string[] {
  const files = logFiles(active);
  return [
    active,
    files.rotated(SEQ),
    ...["torn", "failed"].map((kind) =>
      quarantineFileName(active, kind, LONGEST_TIME, LONGEST_TAG),
    ),
    files.repairTemp(LONGEST_PID, LONGEST_TAG),
    files.rotatingTemp(LONGEST_PID, LONGEST_TAG),
    `.${active}.lock`,
  ];
}

/** How many bytes the longest of `derive(name)` has beyond `name` (the same for every name). */
function overhead(derive: (name: string) => string[]): number {
  return Math.max(...derive("").map(utf8Bytes));
}

/**
 * The most bytes a journal's `name` (and a store's) may have, 197: the longest name the journal
 * derives from it (see {@link journalFileNames}) is 58 bytes longer, and must fit in
 * {@link MAX_FILE_NAME_BYTES}.
 */
export const MAX_JOURNAL_NAME_BYTES = MAX_FILE_NAME_BYTES - overhead(journalFileNames);

/**
 * The most bytes the name of an append log's active file may have, 227: the longest name the log
 * derives from it (see {@link appendLogFileNames}) is 28 bytes longer, and must fit in
 * {@link MAX_FILE_NAME_BYTES}.
 */
export const MAX_APPEND_LOG_NAME_BYTES = MAX_FILE_NAME_BYTES - overhead(appendLogFileNames);

/** `ERR_INVALID_TARGET` (`details.reason: "name-too-long"`) for a name over `maxBytes`. */
function nameTooLong(
  caller: string,
  what: string,
  name: string,
  target: string,
  maxBytes: number,
): PersistenceError {
  const bytes = utf8Bytes(name);
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `${caller}: ${what} ${JSON.stringify(name)} has ${bytes} bytes, more than the ${maxBytes} it may have: the longest file name derived from it would be ${bytes + MAX_FILE_NAME_BYTES - maxBytes} bytes long, and a file name may have at most ${MAX_FILE_NAME_BYTES}`,
    {
      stage: "open",
      target,
      details: { reason: "name-too-long", bytes, maxBytes, maxFileNameBytes: MAX_FILE_NAME_BYTES },
    },
  );
}

/**
 * Refuses a journal (or store) `name` in `dir` with more than {@link MAX_JOURNAL_NAME_BYTES} bytes
 * in UTF-8: `ERR_INVALID_TARGET`, stage `"open"`, `details: { reason: "name-too-long", bytes,
 * maxBytes, maxFileNameBytes }`, as sink-fs reports a name the file system refuses. Such a journal
 * would open, but a file it derives later (the copy of a torn tail, a segment moved aside) could
 * never be created, and every later open would fail. `caller` prefixes the message.
 */
export function checkJournalNameBytes(dir: string, name: string, caller: string): void {
  if (utf8Bytes(name) <= MAX_JOURNAL_NAME_BYTES) return;
  throw nameTooLong(caller, "name", name, join(dir, name), MAX_JOURNAL_NAME_BYTES);
}

/**
 * Refuses an append log whose active file's name has more than
 * {@link MAX_APPEND_LOG_NAME_BYTES} bytes in UTF-8, as {@link checkJournalNameBytes} refuses a
 * journal's: its tail repairs and rotations would fail on every append once one is needed.
 */
export function checkAppendLogNameBytes(active: string): void {
  if (utf8Bytes(active) <= MAX_APPEND_LOG_NAME_BYTES) return;
  throw nameTooLong("openAppendLog", "the file name", active, active, MAX_APPEND_LOG_NAME_BYTES);
}
