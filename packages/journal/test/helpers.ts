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

/** A manual clock for interval durability. */
export function manualClock(start = 1_000) {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle: unknown) {
      timers.delete(handle as number);
    },
    /** Advances time and runs due timers. */
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}
