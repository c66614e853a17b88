import { posix } from "node:path";
import { createFaultyFs, type FsOperation } from "../faulty-fs.js";
import { createMemoryFs, type MemoryFsFiles } from "../memory-fs.js";
import { ensure, within } from "./assertions.js";
import { type FaultCase, type Probe, runFaultCase } from "./fs-fault-case.js";
import { DEFAULT_FAULT_CODES, type FsSinkCheckOptions } from "./fs-sink-options.js";
import {
  CALL_LIMIT_MS,
  closeQuietly,
  listTree,
  payloads,
  seedFiles,
  TARGET,
} from "./fs-sink-support.js";

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
    ...(await listTree(memory, dir)),
    ...Object.keys(files)
      .filter((path) => path.startsWith(`${dir}/`))
      .map((path) => posix.relative(dir, path)),
  ]);
  return { calls: faulty.calls, mark, end, allowed, finalRename };
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
  const files = await seedFiles("checkFaultMatrix", options, dir, old);
  const found = await probe(options, files);
  const cases = faultCases(found, options.errorCodes ?? DEFAULT_FAULT_CODES);
  ensure("checkFaultMatrix", cases.length > 0, "the sink made no file-system calls to fault");
  for (const item of cases) await runFaultCase(options, files, found, item);
}
