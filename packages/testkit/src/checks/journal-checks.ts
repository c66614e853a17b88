import type { FsPort } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import { createCrashableFs } from "../crashable-fs.js";
import { createFaultyFs } from "../faulty-fs.js";
import { createMemoryFs } from "../memory-fs.js";
import { ContractViolation } from "./contract-violation.js";

/** The part of a journal the journal contract drives. */
export interface JournalUnderTest {
  /** Appends one record; resolves once it is durable, with its seq (1, 2, 3, … across reopens). */
  append(payload: Uint8Array): Promise<{ readonly seq: number }>;
  /** Waits for pending appends and releases the journal. */
  close(): Promise<unknown>;
}

/** Where a journal under test lives. */
export interface JournalEnv {
  readonly fs: FsPort;
  readonly dir: string;
}

/** How the journal contract reaches a backend. */
export interface JournalCheckOptions {
  /** Opens (or creates) the backend's journal in `env.dir`, repairing a torn tail as it must. */
  open(env: JournalEnv): Promise<JournalUnderTest>;
  /**
   * Reads the journal without writing: the records with seq > `afterSeq` (default 0) in seq
   * order. Damage the backend does not tolerate rejects with `ERR_CORRUPT`.
   */
  replay(
    env: JournalEnv & { readonly afterSeq?: number | undefined },
  ): Promise<readonly { readonly seq: number; readonly payload: Uint8Array }[]>;
  /** Directory used. Default `/journal`. */
  readonly dir?: string | undefined;
  /** Bound on the crash states tried per scenario. Default 800. */
  readonly maxStates?: number | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fail(check: string, message: string): never {
  throw new ContractViolation(check, message);
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function texts(options: JournalCheckOptions, env: JournalEnv, afterSeq?: number) {
  const records = await options.replay({ ...env, afterSeq });
  return {
    texts: records.map((r) => decoder.decode(r.payload)),
    seqs: records.map((r) => r.seq),
  };
}

/** Appends survive a reopen in order with seqs 1…n, and replay filters by seq. */
export async function checkJournalRoundTrip(options: JournalCheckOptions): Promise<void> {
  const dir = options.dir ?? "/journal";
  const env = { fs: createMemoryFs({ [dir]: null }), dir };
  const first = await options.open(env);
  const seqs = [];
  for (const t of ["a", "b", "c"]) seqs.push((await first.append(encoder.encode(t))).seq);
  await first.close();
  const second = await options.open(env);
  seqs.push((await second.append(encoder.encode("d"))).seq);
  await second.close();
  if (!same(seqs.map(String), ["1", "2", "3", "4"]))
    fail("checkJournalRoundTrip", `append seqs were ${seqs.join(",")}, expected 1,2,3,4`);
  const all = await texts(options, env);
  if (!same(all.texts, ["a", "b", "c", "d"]))
    fail("checkJournalRoundTrip", `replay gave ${JSON.stringify(all.texts)}`);
  const after = await texts(options, env, 2);
  if (!same(after.texts, ["c", "d"]) || !same(after.seqs.map(String), ["3", "4"])) {
    fail("checkJournalRoundTrip", `replay after seq 2 gave ${JSON.stringify(after)}`);
  }
}

/**
 * Every crash state of a run of appends (with an fsync that fails in the middle when
 * `withFailure`): replay gives a prefix of the acknowledged appends holding every append
 * acknowledged before the crash, no duplicate, and a failed append only when the crash came
 * before its failure was reported; the backend then reopens and appends after it.
 */
export async function checkJournalCrashStates(
  options: JournalCheckOptions,
  withFailure: boolean,
): Promise<void> {
  const dir = options.dir ?? "/journal";
  const crash = createCrashableFs({ files: { [dir]: null }, maxStates: options.maxStates ?? 800 });
  const faulty = createFaultyFs(crash);
  const journal = await options.open({ fs: faulty, dir });
  const acked: { text: string; at: number }[] = [];
  const failed = new Map<string, number>();
  const put = (text: string) =>
    journal.append(encoder.encode(text)).then(
      () => acked.push({ text, at: crash.trace.length }),
      () => failed.set(text, crash.trace.length),
    );
  await put("r1");
  await Promise.all([put("r2"), put("r3")]);
  if (withFailure) faulty.addFaults([{ op: ["sync", "datasync"], fault: { error: "EIO" } }]);
  await put("x1");
  await put("r4");
  await journal.close();
  if (withFailure && !failed.has("x1"))
    fail("checkJournalCrashStates", "an append whose fsync failed resolved");
  if (!withFailure && failed.size > 0)
    fail("checkJournalCrashStates", `appends failed without a fault: ${[...failed.keys()]}`);
  const order = acked.map((a) => a.text);
  for (const state of crash.crashStates()) {
    const fs = state.fs();
    let got: string[];
    try {
      got = (await texts(options, { fs, dir })).texts;
    } catch (error) {
      fail("checkJournalCrashStates", `${state.description}: replay threw ${String(error)}`);
    }
    const inFlight = (t: string) => (failed.get(t) ?? -1) > state.afterOp;
    let kept = got.length;
    while (kept > 0 && inFlight(got[kept - 1] as string)) kept--;
    const must = acked.filter((a) => a.at <= state.afterOp).length;
    if (
      !same(got.slice(0, kept), order.slice(0, kept)) ||
      kept < must ||
      new Set(got).size !== got.length
    ) {
      fail(
        "checkJournalCrashStates",
        `${state.description}: replay gave ${JSON.stringify(got)}, acknowledged ${JSON.stringify(order)} (${must} before the crash)`,
      );
    }
    const reopened = await options.open({ fs, dir });
    await reopened.append(encoder.encode("after"));
    await reopened.close();
    const again = (await texts(options, { fs, dir })).texts;
    if (!same(again, [...got, "after"])) {
      fail(
        "checkJournalCrashStates",
        `${state.description}: after a reopen and an append replay gave ${JSON.stringify(again)}`,
      );
    }
  }
}

/** Damage the backend reports must be `ERR_CORRUPT` with a numeric `details.offset` and a `details.reason`. */
export function isLocatedCorruption(error: unknown): boolean {
  return (
    isPersistenceError(error, "ERR_CORRUPT") &&
    typeof error.details?.offset === "number" &&
    typeof error.details?.reason === "string"
  );
}

/** The part of an append log the append-log contract drives. */
export interface AppendLogUnderTest {
  /** Appends one JSON value; resolves with its seq once it is durable. */
  append(value: unknown): Promise<{ readonly seq: number }>;
  close(): Promise<unknown>;
}

/** Where an append log under test lives. */
export interface AppendLogEnv {
  readonly fs: FsPort;
  /** The log's path (its active file). */
  readonly path: string;
}

/** How the append-log contract reaches a backend. */
export interface AppendLogCheckOptions {
  /** Opens the log; two opens on one env must exclude each other per append (a lock). */
  open(env: AppendLogEnv): Promise<AppendLogUnderTest>;
  /** Reads every record (seq order) and every damaged stretch. Never writes. */
  read(env: AppendLogEnv): Promise<{
    readonly records: readonly { readonly seq: number; readonly value: unknown }[];
    readonly problems: readonly { readonly problem: string; readonly offset: number }[];
  }>;
  /** Default `/logs/log.jsonl`. */
  readonly path?: string | undefined;
  readonly maxStates?: number | undefined;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Values come back in order with continuous seqs, also from two writers appending at once. */
export async function checkAppendLogWriters(options: AppendLogCheckOptions): Promise<void> {
  const path = options.path ?? "/logs/log.jsonl";
  const env = { fs: createMemoryFs({ [dirOf(path)]: null }), path };
  const a = await options.open(env);
  const b = await options.open(env);
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) work.push(a.append({ w: "a", i }), b.append({ w: "b", i }));
  await Promise.all(work);
  await a.close();
  await b.close();
  const { records, problems } = await options.read(env);
  if (problems.length > 0)
    fail("checkAppendLogWriters", `clean log reported problems: ${JSON.stringify(problems)}`);
  const seqs = records.map((r) => r.seq);
  if (
    !same(
      seqs.map(String),
      Array.from({ length: 60 }, (_, i) => String(i + 1)),
    )
  ) {
    fail("checkAppendLogWriters", `seqs of two writers were ${seqs.join(",")}`);
  }
  if (new Set(records.map((r) => JSON.stringify(r.value))).size !== 60)
    fail("checkAppendLogWriters", "records were lost or duplicated");
}

/** A zero-filled or torn end of the active file is cut before the next append, which reads back intact. */
export async function checkAppendLogTornTail(options: AppendLogCheckOptions): Promise<void> {
  const path = options.path ?? "/logs/log.jsonl";
  for (const garbage of [new Uint8Array(300), encoder.encode('{"half a rec')]) {
    const fs = createMemoryFs({ [dirOf(path)]: null });
    const env = { fs, path };
    const log = await options.open(env);
    await log.append("first");
    await log.close();
    fs.vol.appendFileSync(path, garbage);
    const next = await options.open(env);
    await next.append("second");
    await next.close();
    const { records, problems } = await options.read(env);
    const values = records.map((r) => r.value);
    if (problems.length > 0 || !same(values.map(String), ["first", "second"])) {
      fail(
        "checkAppendLogTornTail",
        `after a torn tail and an append: ${JSON.stringify({ values, problems })}`,
      );
    }
  }
}

/** Every crash state of appends (and whatever rotation the backend does): an acknowledged prefix. */
export async function checkAppendLogCrashStates(options: AppendLogCheckOptions): Promise<void> {
  const path = options.path ?? "/logs/log.jsonl";
  const crash = createCrashableFs({
    files: { [dirOf(path)]: null },
    maxStates: options.maxStates ?? 600,
  });
  const log = await options.open({ fs: crash, path });
  const acked: { value: string; at: number }[] = [];
  for (const batch of [["v1"], ["v2", "v3"], ["v4"], ["v5", "v6"]]) {
    await Promise.all(
      batch.map((v) => log.append(v).then(() => acked.push({ value: v, at: crash.trace.length }))),
    );
  }
  await log.close();
  const order = acked.map((a) => a.value);
  for (const state of crash.crashStates()) {
    const { records } = await options.read({ fs: state.fs(), path });
    const values = records.map((r) => String(r.value));
    const must = acked.filter((a) => a.at <= state.afterOp).length;
    if (!same(values, order.slice(0, values.length)) || values.length < must) {
      fail(
        "checkAppendLogCrashStates",
        `${state.description}: read ${JSON.stringify(values)}, acknowledged ${JSON.stringify(order)} (${must} before the crash)`,
      );
    }
  }
}
