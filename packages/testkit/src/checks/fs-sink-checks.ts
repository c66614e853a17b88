import { posix } from "node:path";
import {
  type FsPort,
  isPersistenceError,
  osErrorCode,
  type Sink,
  type WriteStage,
} from "@snapwrite/core";
import { createCrashableFs } from "../crashable-fs.js";
import { createFaultyFs, type FsCall, type FsFault, type FsOperation } from "../faulty-fs.js";
import { createMemoryFs, type MemoryFsFiles } from "../memory-fs.js";
import {
  chunksOf,
  describeBytes,
  describeError,
  ensure,
  patternBytes,
  readOrMissing,
  sameBytes,
  someCause,
  within,
} from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";
import { checkAbort, checkSourceFailure } from "./sink-checks.js";

/** What a file-system sink is built on: a port and the directory that is its root. */
export interface FsSinkEnv {
  /** The file system the suite controls (in-memory, fault-injecting or crash-simulating). */
  readonly fs: FsPort;
  /** Absolute directory to use as the sink's root; it exists. */
  readonly dir: string;
}

/** Builds a sink on the given file system. Called for every case, also on crashed file systems. */
export type FsSinkFactory = (env: FsSinkEnv) => Sink | Promise<Sink>;

/** Inputs of the file-system sink checks. */
export interface FsSinkCheckOptions {
  /** Builds the sink under test. */
  readonly create: FsSinkFactory;
  /** Root directory inside the suite's file system. Default `"/data"`. */
  readonly dir?: string | undefined;
  /** Seed of the crash-state sampling. Default 1. */
  readonly seed?: number | undefined;
  /** Bound on crash states per scenario. Default 2000. */
  readonly maxStates?: number | undefined;
  /** OS error codes the fault matrix injects. Default ENOSPC, EIO, EACCES, EPERM, EBUSY, EROFS, EXDEV. */
  readonly errorCodes?: readonly string[] | undefined;
  /**
   * The stage a failure of `call` must report, or `undefined` when any stage (or a recovered
   * success) is acceptable. Default {@link defaultExpectedStage} (docs/architecture.md#sinks-and-the-write-protocol).
   */
  readonly expectedStage?: ((call: FsCall) => WriteStage | undefined) | undefined;
  /**
   * Whether a sink may recover from (retry or work around) a one-off fault of `call` with `code`
   * and resolve. Default {@link defaultMayRecover}. A recovered write must still leave the
   * complete new content, and the previous version as backup when the sink keeps one.
   */
  readonly mayRecover?: ((call: FsCall, code: string) => boolean) | undefined;
}

/** Default OS error codes of the fault matrix. */
export const DEFAULT_FAULT_CODES: readonly string[] = Object.freeze([
  "ENOSPC",
  "EIO",
  "EACCES",
  "EPERM",
  "EBUSY",
  "EROFS",
  "EXDEV",
]);

const TARGET = "target.bin";

/**
 * The stage docs/architecture.md#sinks-and-the-write-protocol assigns to a failing call: lock files → `lock`; `mkdir` and opening the
 * temp file → `open`; `write`/`writev` → `write`; the file's `sync`/`datasync`/`close` → `sync`;
 * `link`/`rename` → `rename`; opening, syncing and closing the directory → `sync-dir`. Other
 * operations (stat, readdir, unlink, …) are not pinned.
 */
export function defaultExpectedStage(call: FsCall): WriteStage | undefined {
  if (/lock/i.test(posix.basename(call.path))) return "lock";
  switch (call.op) {
    case "mkdir":
      return "open";
    case "open":
      return call.kind === "directory" ? "sync-dir" : "open";
    case "write":
    case "writev":
      return "write";
    case "sync":
    case "datasync":
    case "close":
      return call.kind === "directory" ? "sync-dir" : "sync";
    case "rename":
    case "link":
      return "rename";
    default:
      return undefined;
  }
}

/**
 * Default of {@link FsSinkCheckOptions.mayRecover}: `EPERM`/`EACCES`/`EBUSY` on `rename` (the
 * Windows-style transient errors sinks retry), any failure of `link` (hard links may be
 * unsupported; a sink may fall back to copying for its backup), and lock-file bookkeeping other
 * than creating the lock (writing the owner, closing, releasing). Data writes, fsyncs, the data
 * file's close, the final rename and the directory fsync must never be shrugged off.
 */
export function defaultMayRecover(call: FsCall, code: string): boolean {
  if (call.op === "link") return true;
  if (/lock/i.test(posix.basename(call.path)) && call.op !== "open") return true;
  return call.op === "rename" && (code === "EPERM" || code === "EACCES" || code === "EBUSY");
}

const CALL_LIMIT_MS = 20_000;

async function closeQuietly(sink: Sink): Promise<void> {
  try {
    await sink.close?.();
  } catch {
    // Closing is not what these checks are about.
  }
}

function payloads() {
  const old = patternBytes(3000, 101);
  const next = patternBytes(5000, 102);
  return { old, next, chunks: () => chunksOf(next, 2048) };
}

async function readVia(
  check: string,
  create: FsSinkFactory,
  fs: FsPort,
  dir: string,
  target: string,
  what: string,
): Promise<Uint8Array | undefined> {
  const sink = await create({ fs, dir });
  try {
    return await readOrMissing(
      check,
      () => within(check, sink.read(target), CALL_LIMIT_MS, `${what}: read`),
      what,
    );
  } finally {
    await closeQuietly(sink);
  }
}

/**
 * Crash atomicity: for every state a power loss during or after a write over existing content
 * can leave (un-synced data lost or torn, any subset of un-synced directory changes kept), the
 * target reads as the complete old or the complete new content — never empty, torn or missing.
 * For a sink declaring `durable`, every crash after `write()` resolved shows the new content.
 */
export async function checkCrashAtomicity(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkCrashAtomicity";
  const dir = options.dir ?? "/data";
  const { old, next, chunks } = payloads();
  const fs = createCrashableFs({
    files: { [posix.join(dir, TARGET)]: old },
    seed: options.seed,
    maxStates: options.maxStates,
  });
  const sink = await options.create({ fs, dir });
  const start = fs.trace.length;
  let durable: boolean;
  try {
    durable = sink.capabilities.durable;
    await within(check, sink.write(TARGET, chunks()), CALL_LIMIT_MS, "write");
  } finally {
    await closeQuietly(sink);
  }
  const end = fs.trace.length;
  const states = fs.crashStates({ from: start });
  ensure(check, states.length > 0, "no crash states were produced");
  for (const state of states) {
    const seen = await readVia(check, options.create, state.fs(), dir, TARGET, state.description);
    const isOld = seen !== undefined && sameBytes(seen, old);
    const isNew = seen !== undefined && sameBytes(seen, next);
    if (!isOld && !isNew) {
      throw new ContractViolation(
        check,
        `after a ${state.description}: the target reads as ${describeBytes(seen)}, expected the complete old ${describeBytes(old)} or new ${describeBytes(next)} content`,
      );
    }
  }
  if (!durable) return;
  // States are deduplicated across crash points, so the ones after the write are listed apart.
  for (const state of fs.crashStates({ from: end })) {
    const seen = await readVia(check, options.create, state.fs(), dir, TARGET, state.description);
    if (seen === undefined || !sameBytes(seen, next)) {
      throw new ContractViolation(
        check,
        `the sink declares durable, but after a ${state.description} (write() had resolved at op ${end}) the target reads as ${describeBytes(seen)}`,
      );
    }
  }
}

/**
 * Crash durability (sinks declaring `durable`): a new target, also one in new nested
 * directories, survives every crash after `write()` resolved.
 */
export async function checkCrashDurability(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkCrashDurability";
  const dir = options.dir ?? "/data";
  const { next, chunks } = payloads();
  for (const target of ["fresh.bin", "nested/deeper/fresh.bin"]) {
    const fs = createCrashableFs({
      files: { [dir]: null },
      seed: options.seed,
      maxStates: options.maxStates,
    });
    const sink = await options.create({ fs, dir });
    try {
      if (!sink.capabilities.durable) return;
      await within(check, sink.write(target, chunks()), CALL_LIMIT_MS, "write");
    } finally {
      await closeQuietly(sink);
    }
    const end = fs.trace.length;
    for (const state of fs.crashStates({ from: end })) {
      const seen = await readVia(check, options.create, state.fs(), dir, target, state.description);
      if (seen === undefined || !sameBytes(seen, next)) {
        throw new ContractViolation(
          check,
          `${target}: write() resolved on a durable sink, yet after a ${state.description} the target reads as ${describeBytes(seen)}`,
        );
      }
    }
  }
}

interface Probe {
  readonly calls: readonly FsCall[];
  /** Calls with `mark < seq <= end` belong to the write. */
  readonly mark: number;
  readonly end: number;
  readonly allowed: ReadonlySet<string>;
  readonly finalRename: number;
}

async function probe(options: FsSinkCheckOptions, files: MemoryFsFiles): Promise<Probe> {
  const check = "checkFaultMatrix";
  const dir = options.dir ?? "/data";
  const { chunks } = payloads();
  const memory = createMemoryFs(files);
  const faulty = createFaultyFs(memory);
  const sink = await options.create({ fs: faulty, dir });
  const mark = faulty.calls.length;
  let end: number;
  try {
    await within(check, sink.write(TARGET, chunks()), CALL_LIMIT_MS, "write without faults");
    end = faulty.calls.length;
  } finally {
    await closeQuietly(sink);
  }
  const targetPath = posix.join(dir, TARGET);
  const calls = faulty.calls.slice(mark, end);
  const finalRename =
    [...calls].reverse().find((call) => call.op === "rename" && call.dest === targetPath)?.seq ??
    Number.POSITIVE_INFINITY;
  const allowed = new Set([
    ...(await memory.readdir(dir)),
    ...Object.keys(files)
      .filter((path) => posix.dirname(path) === dir)
      .map((path) => posix.basename(path)),
  ]);
  return { calls: faulty.calls, mark, end, allowed, finalRename };
}

interface FaultCase {
  readonly call: FsCall;
  readonly nth: number;
  readonly fault: FsFault;
  readonly code?: string | undefined;
  readonly label: string;
}

async function runFaultCase(
  options: FsSinkCheckOptions,
  files: MemoryFsFiles,
  found: Probe,
  item: FaultCase,
): Promise<void> {
  const check = "checkFaultMatrix";
  const dir = options.dir ?? "/data";
  const { old, next, chunks } = payloads();
  const stageOf = options.expectedStage ?? defaultExpectedStage;
  const mayRecover = options.mayRecover ?? defaultMayRecover;
  const memory = createMemoryFs(files);
  const faulty = createFaultyFs(memory, [{ op: item.call.op, nth: item.nth, fault: item.fault }]);
  const sink = await options.create({ fs: faulty, dir });
  let outcome: { ok: true } | { ok: false; error: unknown };
  try {
    try {
      await within(check, sink.write(TARGET, chunks()), CALL_LIMIT_MS, `write (${item.label})`);
      outcome = { ok: true };
    } catch (error) {
      if (error instanceof ContractViolation) throw error;
      outcome = { ok: false, error };
    }
    const fired = faulty.calls.some((call) => call.fault !== undefined);
    const content = await readOrMissing(
      check,
      () => memory.readFile(posix.join(dir, TARGET)),
      item.label,
    );
    const isOld = content !== undefined && sameBytes(content, old);
    const isNew = content !== undefined && sameBytes(content, next);
    const expectedStage = stageOf(item.call);
    const strict = expectedStage !== undefined;
    if (outcome.ok) {
      ensure(
        check,
        isNew,
        `${item.label}: write() resolved but the target holds ${describeBytes(content)}, not the new content`,
      );
      const recoverable =
        !fired ||
        !strict ||
        ("torn" in item.fault && item.fault.error === undefined) ||
        (item.code !== undefined && mayRecover(item.call, item.code));
      ensure(
        check,
        recoverable,
        `${item.label}: write() resolved although the injected fault must fail it with stage ${expectedStage}`,
      );
      if (sink.capabilities.backup) {
        const backup = await readOrMissing(
          check,
          () => sink.read(TARGET, { from: "backup" }),
          `${item.label}: backup read`,
        );
        ensure(
          check,
          backup !== undefined && sameBytes(backup, old),
          `${item.label}: write() resolved but the backup holds ${describeBytes(backup)}, not the previous content`,
        );
      }
    } else {
      const error = outcome.error;
      ensure(
        check,
        isPersistenceError(error),
        `${item.label}: write() must reject with a PersistenceError, got ${describeError(error)}`,
      );
      if (strict && item.code !== undefined) {
        const code = osErrorCode(item.code, "write");
        ensure(
          check,
          error.code === code && error.stage === expectedStage,
          `${item.label}: expected PersistenceError ${code} at stage ${expectedStage}, got ${error.code} at stage ${String(error.stage)}`,
        );
        ensure(
          check,
          someCause(error, (cause) => (cause as { code?: unknown }).code === item.code),
          `${item.label}: the PersistenceError must carry the ${item.code} OS error as cause`,
        );
      } else if (strict) {
        ensure(
          check,
          error.stage === expectedStage,
          `${item.label}: expected stage ${expectedStage}, got ${String(error.stage)} (${error.code})`,
        );
      }
      const beforeCommit = item.call.seq < found.finalRename;
      ensure(
        check,
        beforeCommit ? isOld : isOld || isNew,
        `${item.label}: after the failed write the target holds ${describeBytes(content)}, expected the ${beforeCommit ? "untouched old" : "complete old or new"} content`,
      );
    }
    const leftovers = (await memory.readdir(dir)).filter(
      (name) => !found.allowed.has(name) && !/\.lock$/.test(name),
    );
    // When the injected fault hit a removal, what it failed to remove may legitimately stay.
    ensure(
      check,
      leftovers.length === 0 || item.call.op === "unlink",
      `${item.label}: leftover files after the write: ${leftovers.join(", ")}`,
    );
    const again = patternBytes(777, 103);
    try {
      await within(check, sink.write(TARGET, [again]), CALL_LIMIT_MS, "write after the fault");
    } catch (error) {
      if (error instanceof ContractViolation) throw error;
      throw new ContractViolation(
        check,
        `${item.label}: a write after the one-off fault failed with ${describeError(error)}`,
        { cause: error },
      );
    }
    const after = await memory.readFile(posix.join(dir, TARGET));
    ensure(
      check,
      sameBytes(after, again),
      `${item.label}: the write after the fault left ${describeBytes(after)}`,
    );
  } finally {
    await closeQuietly(sink);
  }
}

const NOT_FAULTED = new Set<FsOperation>(["read", "readFile", "readlink", "realpath"]);

function faultCases(found: Probe, codes: readonly string[]): FaultCase[] {
  const cases: FaultCase[] = [];
  const counts = new Map<FsOperation, number>();
  for (const call of found.calls) {
    const nth = (counts.get(call.op) ?? 0) + 1;
    counts.set(call.op, nth);
    if (call.seq <= found.mark || call.seq > found.end || NOT_FAULTED.has(call.op)) continue;
    const where = `${call.op} #${nth} (${call.path}${call.dest === undefined ? "" : ` -> ${call.dest}`})`;
    for (const code of codes) {
      cases.push({ call, nth, fault: { error: code }, code, label: `${code} on ${where}` });
    }
    if (call.op === "write" || call.op === "writev") {
      cases.push({
        call,
        nth,
        fault: { torn: 0.5, error: "EIO" },
        code: "EIO",
        label: `torn write (half, then EIO) on ${where}`,
      });
      cases.push({
        call,
        nth,
        fault: { torn: 0.5 },
        label: `short write (half reported) on ${where}`,
      });
    }
  }
  return cases;
}

/**
 * Fault matrix: every call a write makes (in a fault-free probe run) fails once with each OS
 * error code, and every data write is also torn (half stored, then `EIO`) or short (half
 * reported). Each case must end in a `PersistenceError` with the mapped code, the docs/architecture.md#sinks-and-the-write-protocol
 * stage and the OS error as cause (or, where {@link defaultMayRecover} allows it or for a short
 * write, a complete success); the target is untouched when the fault came before the final
 * rename; no file is left besides the target, its backup and a `*.lock` file; and the next write
 * succeeds.
 */
export async function checkFaultMatrix(options: FsSinkCheckOptions): Promise<void> {
  const dir = options.dir ?? "/data";
  const { old } = payloads();
  const files: MemoryFsFiles = { [posix.join(dir, TARGET)]: old };
  const found = await probe(options, files);
  const cases = faultCases(found, options.errorCodes ?? DEFAULT_FAULT_CODES);
  ensure("checkFaultMatrix", cases.length > 0, "the sink made no file-system calls to fault");
  for (const item of cases) await runFaultCase(options, files, found, item);
}

/** The targets {@link checkAbort} and {@link checkSourceFailure} write. */
const FAILURE_TARGETS = ["abort.bin", "source-failure.bin", "never-written.bin"] as const;

/**
 * Names a sink may legitimately keep in its directory for `targets`: what two successful writes of
 * each leave (the target, and its backup when the sink keeps one), plus lock files (`*.lock`) when
 * it declares `crossProcessLock`.
 */
async function declaredNames(
  options: FsSinkCheckOptions,
  dir: string,
  targets: readonly string[],
): Promise<(name: string) => boolean> {
  const memory = createMemoryFs({ [dir]: null });
  const sink = await options.create({ fs: memory, dir });
  let locks = false;
  try {
    locks = sink.capabilities.crossProcessLock;
    for (const target of targets) {
      for (const seed of [201, 202]) {
        await within(
          "checkFailureCleanup",
          sink.write(target, [patternBytes(100, seed)]),
          CALL_LIMIT_MS,
          `write(${target}) without faults`,
        );
      }
    }
  } finally {
    await closeQuietly(sink);
  }
  const kept = new Set(await memory.readdir(dir));
  return (name) => kept.has(name) || (locks && /\.lock$/.test(name));
}

/**
 * Cleanup after failed writes (docs/architecture.md#sinks-and-the-write-protocol, "on failure: remove the temp file"): runs
 * {@link checkAbort} and {@link checkSourceFailure} on an in-memory file system and, after every
 * write they make fail, lists the sink's directory: nothing may be there but the targets and the
 * backup and lock files the sink keeps after successful writes. A temp file left behind by an
 * aborted write or a throwing chunk source fails the check.
 */
export async function checkFailureCleanup(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkFailureCleanup";
  const dir = options.dir ?? "/data";
  const declared = await declaredNames(options, dir, FAILURE_TARGETS);
  const memory = createMemoryFs({ [dir]: null });
  const sink = await options.create({ fs: memory, dir });
  const afterFailedWrite = async (what: string) => {
    const leftovers = (await memory.readdir(dir)).filter((name) => !declared(name));
    ensure(
      check,
      leftovers.length === 0,
      `${what}: leftover files after the failed write: ${leftovers.join(", ")}`,
    );
  };
  try {
    await checkAbort(sink, { afterFailedWrite });
    await checkSourceFailure(sink, { afterFailedWrite });
  } finally {
    await closeQuietly(sink);
  }
}
