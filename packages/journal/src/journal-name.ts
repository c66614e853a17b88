/** Characters a journal name may hold: a plain file name, no path. */
const PLAIN_FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The parts of the file names a journal (and a store on it) writes after its name: segments
 * `<name>.wal.…`, snapshots `<name>.snap.…`, segments moved aside `….unused-…`, `….torn-…`,
 * `….superseded-…`, `….foreign-…`, corrupt snapshots quarantined by the file sink
 * `….corrupt-…`, and the lock file `.<name>.lock` (with its helper files `.<name>.lock.…`). A name
 * holding one of them could make another journal's files in the same directory parse as this
 * journal's (and be deleted or moved aside as its leftovers), or this journal's as another's.
 */
export const RESERVED_NAME_PARTS: readonly string[] = [
  ".wal.",
  ".snap.",
  ".unused-",
  ".torn-",
  ".superseded-",
  ".foreign-",
  ".corrupt-",
  ".lock",
];

/**
 * Checks a journal's (or store's) `name` option, for `caller`: a `TypeError` naming the option
 * unless it is a plain file name (`[A-Za-z0-9._-]+`) other than `.` and `..` that holds none of
 * {@link RESERVED_NAME_PARTS}. The one rule of journal names: the store checks its own with it.
 */
export function assertJournalName(name: unknown, caller: string): asserts name is string {
  if (typeof name !== "string" || !PLAIN_FILE_NAME.test(name)) {
    throw new TypeError(`${caller}: name must be a plain file name`);
  }
  if (name === "." || name === "..") {
    throw new TypeError(`${caller}: name must be a plain file name, not ${JSON.stringify(name)}`);
  }
  const part = RESERVED_NAME_PARTS.find((reserved) => name.includes(reserved));
  if (part !== undefined) {
    throw new TypeError(
      `${caller}: name must not contain ${JSON.stringify(part)} (the journal's own file names use it, so another journal's files in the directory could pass for this one's), got ${JSON.stringify(name)}`,
    );
  }
}
