import type { FsPort } from "@snapwrite/core";
import { type JournalRecord, type ReplayJournalOptions, replayJournal } from "../src/index.js";

export const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
export const dec = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Replays a journal and returns `[seq, text]` pairs plus the report. */
export async function replayTexts(
  fs: FsPort,
  dir: string,
  name: string,
  options: Partial<ReplayJournalOptions> = {},
) {
  const records: JournalRecord[] = [];
  const report = await replayJournal({
    fs,
    dir,
    name,
    ...options,
    onRecord: (r) => {
      records.push(r);
    },
  });
  return {
    texts: records.map((r) => dec(r.payload)),
    seqs: records.map((r) => r.seq),
    records,
    report,
  };
}
