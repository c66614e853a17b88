import { checkOpenJournalOptions } from "./journal-options.js";
import type { Journal, OpenJournalOptions } from "./journal-types.js";
import { JournalWriter } from "./journal-writer/journal-writer.js";
import { checkJournalNameBytes } from "./name-bytes.js";
import { seqOption, timerMsOption } from "./option-numbers.js";

/**
 * Opens (or creates) the segment journal `<dir>/<name>.wal.*` for appending: replays it (passing
 * records after `afterSeq` to `onRecord`), repairs a torn tail non-destructively (the bytes are
 * copied to `*.torn-*` and a new segment records the valid length of its predecessor) before the
 * first append, then takes appends with group commit. Zeros after the last record (the space the
 * writer preallocates) are a clean end, appended over.
 */
export async function openJournal(options: OpenJournalOptions): Promise<Journal> {
  checkOpenJournalOptions(options);
  // Only a left-out durability is "commit": `null` is a TypeError, as for every option.
  const durability = options.durability === undefined ? "commit" : options.durability;
  if (typeof durability === "object" && durability !== null)
    timerMsOption("openJournal", "durability.intervalMs", durability.intervalMs);
  else if (durability !== "commit" && durability !== "os")
    throw new TypeError("openJournal: bad durability");
  if (options.afterSeq !== undefined) seqOption("openJournal", "afterSeq", options.afterSeq, 0);
  if (options.firstSeq !== undefined) seqOption("openJournal", "firstSeq", options.firstSeq, 1);
  // Before any file is touched: a name whose derived file names cannot exist is refused now, not
  // once a torn tail must be copied aside.
  checkJournalNameBytes(options.dir, options.name, "openJournal");
  const writer = new JournalWriter(options);
  await writer.open();
  return writer;
}
