import { describe, it } from "vitest";
import {
  type AppendLogCheckOptions,
  checkAppendLogCrashStates,
  checkAppendLogTornTail,
  checkAppendLogWriters,
  checkJournalCrashStates,
  checkJournalRoundTrip,
  type JournalCheckOptions,
} from "../checks/journal-checks.js";
import { assertSuiteArguments } from "./suite-arguments.js";

/** Options of {@link describeJournalContract}. */
export interface JournalContractOptions extends JournalCheckOptions {
  /** Per-test timeout of the crash tests, in ms. Default 120 000. */
  readonly timeoutMs?: number | undefined;
}

/**
 * The contract of a write-ahead journal on an `FsPort`: round trip with seq-filtered replay, and
 * every crash state of appends, with and without an fsync that fails in the middle (a failed
 * append is never replayed once reported; every acknowledged one is).
 */
export function describeJournalContract(label: string, options: JournalContractOptions): void {
  assertSuiteArguments("describeJournalContract", label, options, JOURNAL_SUITE_OPTIONS);
  const timeout = options.timeoutMs ?? 120_000;
  describe(`${label}: journal contract`, () => {
    it("replays appends in seq order after a reopen and filters by seq", () =>
      checkJournalRoundTrip(options));
    it(
      "recovers the acknowledged prefix in every crash state of appends",
      () => checkJournalCrashStates(options, false),
      timeout,
    );
    it(
      "never replays an append whose fsync failed, in every crash state",
      () => checkJournalCrashStates(options, true),
      timeout,
    );
  });
}

/** Options of {@link describeAppendLogContract}. */
export interface AppendLogContractOptions extends AppendLogCheckOptions {
  readonly timeoutMs?: number | undefined;
}

/**
 * The contract of an append log shared by several writers: continuous seqs from two writers at
 * once, a torn or zero-filled tail cut before the next append, and every crash state of appends
 * reading as an acknowledged prefix.
 */
export function describeAppendLogContract(label: string, options: AppendLogContractOptions): void {
  assertSuiteArguments("describeAppendLogContract", label, options, APPEND_LOG_SUITE_OPTIONS);
  const timeout = options.timeoutMs ?? 120_000;
  describe(`${label}: append log contract`, () => {
    it("gives two concurrent writers continuous seqs and whole records", () =>
      checkAppendLogWriters(options));
    it("cuts a torn or zero-filled tail before the next append", () =>
      checkAppendLogTornTail(options));
    it(
      "reads an acknowledged prefix in every crash state of appends",
      () => checkAppendLogCrashStates(options),
      timeout,
    );
  });
}

const JOURNAL_SUITE_OPTIONS = Object.freeze({
  open: "function",
  replay: "function",
  dir: "string?",
  maxStates: "number?",
  timeoutMs: "number?",
} as const);

const APPEND_LOG_SUITE_OPTIONS = Object.freeze({
  open: "function",
  read: "function",
  path: "string?",
  maxStates: "number?",
  timeoutMs: "number?",
} as const);
