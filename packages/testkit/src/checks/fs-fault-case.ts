import { isPersistenceError, osErrorCode, type Sink, type WriteStage } from "@snapwrite/core";
import { createFaultyFs, type FsCall, type FsFault } from "../faulty-fs.js";
import { createMemoryFs, type MemoryFs, type MemoryFsFiles } from "../memory-fs.js";
import {
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
import {
  defaultExpectedStage,
  defaultMayRecover,
  type FsSinkCheckOptions,
} from "./fs-sink-options.js";
import {
  CALL_LIMIT_MS,
  closeQuietly,
  listTree,
  payloads,
  readTarget,
  TARGET,
} from "./fs-sink-support.js";

/** What a fault-free run of a write showed: its calls and what it left. */
export interface Probe {
  readonly calls: readonly FsCall[];
  /** Calls with `mark < seq <= end` belong to the write. */
  readonly mark: number;
  readonly end: number;
  readonly allowed: ReadonlySet<string>;
  readonly finalRename: number;
}

/** One fault of the matrix: which call fails, and how. */
export interface FaultCase {
  readonly call: FsCall;
  readonly nth: number;
  readonly fault: FsFault;
  readonly code?: string | undefined;
  readonly label: string;
}

const CHECK = "checkFaultMatrix";

/** What the faulted write left, and what it should have reported. */
interface FaultResult {
  readonly item: FaultCase;
  readonly sink: Sink;
  /** Whether the injected fault was hit at all. */
  readonly fired: boolean;
  readonly content: Uint8Array | undefined;
  readonly isOld: boolean;
  readonly isNew: boolean;
  readonly expectedStage: WriteStage | undefined;
}

type WriteOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Runs one case of the fault matrix on a fresh file system holding `files`: the write under the
 * fault, its outcome and what it left, then a write after the fault.
 */
export async function runFaultCase(
  options: FsSinkCheckOptions,
  files: MemoryFsFiles,
  found: Probe,
  item: FaultCase,
): Promise<void> {
  const dir = options.dir ?? "/data";
  const { old, next, chunks } = payloads();
  const stageOf = options.expectedStage ?? defaultExpectedStage;
  const memory = createMemoryFs(files);
  const faulty = createFaultyFs(memory, [{ op: item.call.op, nth: item.nth, fault: item.fault }]);
  const sink = await options.create({ fs: faulty, dir });
  try {
    const outcome = await writeUnderFault(sink, chunks(), item);
    const fired = faulty.calls.some((call) => call.fault !== undefined);
    const content = await readTarget(CHECK, options, memory, dir, item.label);
    const result: FaultResult = {
      item,
      sink,
      fired,
      content,
      isOld: content !== undefined && sameBytes(content, old),
      isNew: content !== undefined && sameBytes(content, next),
      expectedStage: stageOf(item.call),
    };
    if (outcome.ok) {
      await checkResolved(result, old, options.mayRecover ?? defaultMayRecover);
    } else {
      checkRejected(result, outcome.error, found);
    }
    await checkNoLeftovers(memory, dir, found, item);
    await checkWriteAfterFault(options, sink, memory, dir, item);
  } finally {
    await closeQuietly(sink);
  }
}

async function writeUnderFault(
  sink: Sink,
  chunks: Iterable<Uint8Array>,
  item: FaultCase,
): Promise<WriteOutcome> {
  try {
    await within(CHECK, sink.write(TARGET, chunks), CALL_LIMIT_MS, `write (${item.label})`);
    return { ok: true };
  } catch (error) {
    if (error instanceof ContractViolation) throw error;
    return { ok: false, error };
  }
}

/** A write that resolved holds the new content, may recover from this fault, and kept a backup. */
async function checkResolved(
  result: FaultResult,
  old: Uint8Array,
  mayRecover: (call: FsCall, code: string) => boolean,
): Promise<void> {
  const { item, sink, expectedStage } = result;
  const strict = expectedStage !== undefined;
  ensure(
    CHECK,
    result.isNew,
    `${item.label}: write() resolved but the target holds ${describeBytes(result.content)}, not the new content`,
  );
  const recoverable =
    !result.fired ||
    !strict ||
    ("torn" in item.fault && item.fault.error === undefined) ||
    (item.code !== undefined && mayRecover(item.call, item.code));
  ensure(
    CHECK,
    recoverable,
    `${item.label}: write() resolved although the injected fault must fail it with stage ${expectedStage}`,
  );
  if (sink.capabilities.backup) {
    const backup = await readOrMissing(
      CHECK,
      () => sink.read(TARGET, { from: "backup" }),
      `${item.label}: backup read`,
    );
    ensure(
      CHECK,
      backup !== undefined && sameBytes(backup, old),
      `${item.label}: write() resolved but the backup holds ${describeBytes(backup)}, not the previous content`,
    );
  }
}

/** A write that failed reports the mapped code and stage with the OS error as cause. */
function checkRejected(result: FaultResult, error: unknown, found: Probe): void {
  const { item, expectedStage } = result;
  const strict = expectedStage !== undefined;
  ensure(
    CHECK,
    isPersistenceError(error),
    `${item.label}: write() must reject with a PersistenceError, got ${describeError(error)}`,
  );
  if (strict && item.code !== undefined) {
    const code = osErrorCode(item.code, "write");
    ensure(
      CHECK,
      error.code === code && error.stage === expectedStage,
      `${item.label}: expected PersistenceError ${code} at stage ${expectedStage}, got ${error.code} at stage ${String(error.stage)}`,
    );
    ensure(
      CHECK,
      someCause(error, (cause) => (cause as { code?: unknown }).code === item.code),
      `${item.label}: the PersistenceError must carry the ${item.code} OS error as cause`,
    );
  } else if (strict) {
    ensure(
      CHECK,
      error.stage === expectedStage,
      `${item.label}: expected stage ${expectedStage}, got ${String(error.stage)} (${error.code})`,
    );
  }
  const beforeCommit = item.call.seq < found.finalRename;
  ensure(
    CHECK,
    beforeCommit ? result.isOld : result.isOld || result.isNew,
    `${item.label}: after the failed write the target holds ${describeBytes(result.content)}, expected the ${beforeCommit ? "untouched old" : "complete old or new"} content`,
  );
}

async function checkNoLeftovers(
  memory: MemoryFs,
  dir: string,
  found: Probe,
  item: FaultCase,
): Promise<void> {
  const leftovers = (await listTree(memory, dir)).filter(
    (name) => !found.allowed.has(name) && !/\.lock$/.test(name),
  );
  // When the injected fault hit a removal, what it failed to remove may legitimately stay.
  ensure(
    CHECK,
    leftovers.length === 0 || item.call.op === "unlink",
    `${item.label}: leftover files after the write: ${leftovers.join(", ")}`,
  );
}

/** The fault was one-off: the next write succeeds. */
async function checkWriteAfterFault(
  options: FsSinkCheckOptions,
  sink: Sink,
  memory: MemoryFs,
  dir: string,
  item: FaultCase,
): Promise<void> {
  const again = patternBytes(777, 103);
  try {
    await within(CHECK, sink.write(TARGET, [again]), CALL_LIMIT_MS, "write after the fault");
  } catch (error) {
    if (error instanceof ContractViolation) throw error;
    throw new ContractViolation(
      CHECK,
      `${item.label}: a write after the one-off fault failed with ${describeError(error)}`,
      { cause: error },
    );
  }
  const after = await readTarget(CHECK, options, memory, dir, "read after the fault");
  ensure(
    CHECK,
    after !== undefined && sameBytes(after, again),
    `${item.label}: the write after the fault left ${describeBytes(after)}`,
  );
}
