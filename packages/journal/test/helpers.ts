import { type FsPort, type PolicyEntry, resolvePolicy } from "@snapwrite/core";
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

/** Bounds of a safe integer option from `min` on, as the journal resolves its sizes and counts. */
export const safeIntegerFrom = (min: number) =>
  ({ min, max: Number.MAX_SAFE_INTEGER, integer: true }) as const;

/**
 * The error core's `resolvePolicy` throws for `value` as the option `path` with `bounds` and no
 * environment: what the journal must throw, since it validates its numbers through it.
 */
export function policyError(
  path: string,
  value: unknown,
  bounds: Omit<PolicyEntry, "default" | "env">,
): Error {
  try {
    resolvePolicy({ [path]: { ...bounds, default: value as number } }, { env: {} });
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${path}: ${String(value)} is within its bounds`);
}
